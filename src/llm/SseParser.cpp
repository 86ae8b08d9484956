#include "llm/SseParser.h"

namespace {
const QByteArray utf8Bom = QByteArrayLiteral("\xEF\xBB\xBF");
}

SseParser::SseParser(qsizetype maxLineBytes)
    : m_maxLineBytes(maxLineBytes) {}

QList<SseEvent> SseParser::feed(const QByteArray &bytes) {
    QList<SseEvent> out;
    if (m_error || bytes.isEmpty())
        return out;

    QByteArray input;
    if (m_atStart) {
        m_start += bytes;
        if (m_start.size() < utf8Bom.size() && utf8Bom.startsWith(m_start))
            return out;
        m_atStart = false;
        input = m_start.startsWith(utf8Bom) ? m_start.mid(utf8Bom.size()) : m_start;
        m_start.clear();
    } else {
        input = bytes;
    }

    const char *data = input.constData();
    const qsizetype size = input.size();
    qsizetype pos = 0;
    if (m_skipLf && size > 0) {
        m_skipLf = false;
        if (data[0] == '\n')
            pos = 1;
    }
    while (pos < size) {
        qsizetype end = pos;
        while (end < size && data[end] != '\n' && data[end] != '\r')
            ++end;
        if (m_line.size() + (end - pos) > m_maxLineBytes) {
            m_error = true;
            m_line.clear();
            return out;
        }
        m_line.append(data + pos, end - pos);
        if (end == size)
            break;
        if (data[end] == '\r') {
            if (end + 1 < size) {
                if (data[end + 1] == '\n')
                    ++end;
            } else {
                m_skipLf = true;
            }
        }
        processLine(m_line, out);
        m_line.clear();
        pos = end + 1;
    }
    return out;
}

QList<SseEvent> SseParser::finish() {
    QList<SseEvent> out;
    if (!m_error)
        dispatch(out);
    reset();
    return out;
}

bool SseParser::hasError() const {
    return m_error;
}

bool SseParser::hasPendingData() const {
    return !m_line.isEmpty() || m_hasData || !m_start.isEmpty();
}

void SseParser::reset() {
    m_start.clear();
    m_line.clear();
    m_data.clear();
    m_event.clear();
    m_id.clear();
    m_hasData = false;
    m_skipLf = false;
    m_atStart = true;
    m_error = false;
}

void SseParser::processLine(const QByteArray &line, QList<SseEvent> &out) {
    if (line.isEmpty()) {
        dispatch(out);
        return;
    }
    if (line.startsWith(':'))
        return; // comment, typically a keep-alive
    const qsizetype colon = line.indexOf(':');
    const QByteArray field = colon < 0 ? line : line.left(colon);
    QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
    if (value.startsWith(' '))
        value.remove(0, 1);

    if (field == "data") {
        if (m_hasData)
            m_data.append('\n');
        m_data.append(value);
        m_hasData = true;
    } else if (field == "event") {
        m_event = value;
    } else if (field == "id") {
        if (!value.contains('\0'))
            m_id = value;
    }
    // "retry" and unknown fields are ignored, as the specification says.
}

void SseParser::dispatch(QList<SseEvent> &out) {
    if (m_hasData) {
        out.append(SseEvent{QString::fromUtf8(m_event), QString::fromUtf8(m_data),
                            QString::fromUtf8(m_id)});
    }
    m_data.clear();
    m_event.clear();
    m_hasData = false;
}
