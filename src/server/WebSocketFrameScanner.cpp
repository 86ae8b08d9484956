#include "server/WebSocketFrameScanner.h"

#include <QtEndian>
#include <algorithm>

using namespace Qt::StringLiterals;

QString WebSocketFrameScanner::feed(QByteArrayView bytes) {
    qsizetype pos = 0;
    while (m_error.isEmpty() && pos < bytes.size()) {
        if (m_part == Part::Payload) {
            const auto skipped =
                qsizetype(std::min<quint64>(m_payloadLeft, quint64(bytes.size() - pos)));
            pos += skipped;
            m_payloadLeft -= quint64(skipped);
            if (m_payloadLeft == 0) {
                m_part = Part::Header;
                m_partSize = 2;
            }
            continue;
        }
        const qsizetype taken = std::min(m_partSize - m_partBytes.size(), bytes.size() - pos);
        m_partBytes.append(bytes.sliced(pos, taken));
        pos += taken;
        if (m_partBytes.size() == m_partSize)
            partDone();
    }
    return m_error;
}

void WebSocketFrameScanner::partDone() {
    const auto *data = reinterpret_cast<const uchar *>(m_partBytes.constData());
    quint64 length = 0;
    switch (m_part) {
    case Part::Header:
        if ((data[1] & 0x80) == 0) {
            m_error = u"a client frame that is not masked (RFC 6455 section 5.1)"_s;
            return;
        }
        length = data[1] & 0x7f;
        if (length == 126) {
            m_part = Part::Length16;
            m_partSize = 2;
        } else if (length == 127) {
            m_part = Part::Length64;
            m_partSize = 8;
        } else {
            m_payloadLeft = length;
            m_part = Part::Mask;
            m_partSize = 4;
        }
        break;
    case Part::Length16:
        m_payloadLeft = qFromBigEndian<quint16>(data);
        m_part = Part::Mask;
        m_partSize = 4;
        break;
    case Part::Length64:
        m_payloadLeft = qFromBigEndian<quint64>(data);
        if (m_payloadLeft >> 63) {
            m_error = u"a frame length with its most significant bit set (RFC 6455 section "
                      "5.2)"_s;
            return;
        }
        m_part = Part::Mask;
        m_partSize = 4;
        break;
    case Part::Mask:
        m_part = m_payloadLeft > 0 ? Part::Payload : Part::Header;
        m_partSize = 2;
        break;
    case Part::Payload:
        break;
    }
    m_partBytes.clear();
}
