#include "server/WebSocketTextJoiner.h"

#include <QtEndian>
#include <algorithm>
#include <cstring>

namespace {

constexpr uchar kFin = 0x80;
constexpr uchar kRsv = 0x70;
constexpr uchar kMasked = 0x80;
constexpr int kContinuation = 0x0;
constexpr int kText = 0x1;

int opcodeOf(const QByteArray &head) {
    return uchar(head.at(0)) & 0x0f;
}

} // namespace

qsizetype WebSocketTextJoiner::headerSize() const {
    if (m_head.size() < 2)
        return 2;
    const uchar second = uchar(m_head.at(1));
    const int length = second & 0x7f;
    const qsizetype extended = length == 126 ? 2 : length == 127 ? 8 : 0;
    return 2 + extended + ((second & kMasked) ? 4 : 0);
}

QByteArray WebSocketTextJoiner::feed(QByteArrayView bytes) {
    QByteArray out;
    qsizetype pos = 0;
    while (pos < bytes.size()) {
        if (!m_inPayload) {
            // The header's size is known once its first two bytes are in.
            while (pos < bytes.size() && m_head.size() < headerSize())
                m_head.append(bytes.at(pos++));
            if (m_head.size() == headerSize())
                frameStarts(out);
            continue;
        }
        const auto size = qsizetype(std::min<quint64>(m_payloadLeft, quint64(bytes.size() - pos)));
        const QByteArrayView payload = bytes.sliced(pos, size);
        pos += size;
        m_payloadLeft -= quint64(size);
        if (m_mode == Mode::Pass) {
            out.append(payload);
        } else {
            m_held.append(payload);
            for (const char byte : payload)
                m_joined.append(char(byte ^ m_key[m_payloadDone++ % 4]));
        }
        if (m_payloadLeft == 0)
            frameEnds(out);
    }
    return out;
}

void WebSocketTextJoiner::frameStarts(QByteArray &out) {
    const uchar first = uchar(m_head.at(0));
    const uchar second = uchar(m_head.at(1));
    const int opcode = opcodeOf(m_head);
    const bool masked = second & kMasked;
    const bool plain = masked && (first & kRsv) == 0;
    m_final = first & kFin;
    quint64 length = second & 0x7f;
    if (length == 126)
        length = qFromBigEndian<quint16>(m_head.constData() + 2);
    else if (length == 127)
        length = qFromBigEndian<quint64>(m_head.constData() + 2);
    if (masked)
        std::memcpy(m_key, m_head.constData() + m_head.size() - 4, 4);

    const bool control = opcode & 0x8;
    const bool startsJoining = !m_joining && opcode == kText && !m_final && plain;
    const bool continuesJoining = m_joining && opcode == kContinuation && plain;
    if (m_joining && !control && !continuesJoining)
        giveUpJoining(out); // against the rules: Qt says so
    if (startsJoining) {
        m_joining = true;
        std::memcpy(m_messageKey, m_key, 4);
    }
    m_mode = startsJoining || continuesJoining ? Mode::Join : Mode::Pass;
    if (m_mode == Mode::Join &&
        quint64(m_joined.size()) + length > quint64(std::max<qint64>(0, m_maxMessageBytes))) {
        giveUpJoining(out); // too long: Qt refuses it as it comes
        m_mode = Mode::Pass;
    }
    if (m_mode == Mode::Pass)
        out.append(m_head);
    else
        m_held.append(m_head);
    m_head.clear();
    m_payloadLeft = length;
    m_payloadDone = 0;
    m_inPayload = length > 0;
    if (!m_inPayload)
        frameEnds(out);
}

void WebSocketTextJoiner::frameEnds(QByteArray &out) {
    m_inPayload = false;
    if (m_mode != Mode::Join || !m_final)
        return;
    QByteArray frame;
    frame.append(char(kFin | kText));
    const auto length = quint64(m_joined.size());
    if (length < 126) {
        frame.append(char(kMasked | length));
    } else if (length <= 0xffff) {
        frame.append(char(kMasked | 126));
        char extended[2];
        qToBigEndian<quint16>(quint16(length), extended);
        frame.append(extended, 2);
    } else {
        frame.append(char(kMasked | 127));
        char extended[8];
        qToBigEndian<quint64>(length, extended);
        frame.append(extended, 8);
    }
    frame.append(m_messageKey, 4);
    for (qsizetype i = 0; i < m_joined.size(); ++i)
        frame.append(char(m_joined.at(i) ^ m_messageKey[i % 4]));
    out.append(frame);
    m_joining = false;
    m_held.clear();
    m_joined.clear();
}

void WebSocketTextJoiner::giveUpJoining(QByteArray &out) {
    out.append(m_held);
    m_held.clear();
    m_joined.clear();
    m_joining = false;
}
