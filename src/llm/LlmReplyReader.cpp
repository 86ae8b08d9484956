#include "llm/LlmReplyReader.h"

#include "llm/LlmReplyFormat.h"

#include <QNetworkReply>

namespace {

// A few dozen SSE events of a Chat Completions stream. The reply's own buffer is not bounded
// (setReadBufferSize): with Qt 6.4 that stalled fast streams in tst_fairstreaming.
constexpr qint64 kReadBytesPerPass = 4 * 1024;

} // namespace

void LlmReplyReader::follow(QNetworkReply *reply) {
    stop();
    m_reply = reply;
    connect(reply, &QNetworkReply::readyRead, this, &LlmReplyReader::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &LlmReplyReader::onFinished);
}

void LlmReplyReader::stop() {
    if (m_reply)
        disconnect(m_reply, nullptr, this, nullptr);
    m_reply = nullptr;
    m_wholeBody.clear();
    m_finished = false;
}

void LlmReplyReader::onReadyRead() {
    if (!m_passScheduled)
        readPass();
}

void LlmReplyReader::onFinished() {
    m_finished = true;
    if (!m_passScheduled)
        readPass(); // the end is reported once all of the body is read
}

void LlmReplyReader::readPass() {
    m_passScheduled = false;
    if (!m_reply)
        return;
    const QPointer<QNetworkReply> reply = m_reply;
    const QPointer<LlmReplyReader> self(this);
    readAvailable();
    if (!self || m_reply != reply || !reply) // a receiver moved on, or went away
        return;
    if (reply->bytesAvailable() > 0) {
        m_passScheduled = true; // the rest after whatever else is waiting
        QMetaObject::invokeMethod(this, &LlmReplyReader::readPass, Qt::QueuedConnection);
    } else if (m_finished) {
        Q_EMIT ended();
    }
}

void LlmReplyReader::readAvailable() {
    const LlmReplyFormat format = LlmReplyFormat::of(*m_reply);
    if (!format.isKeptWhole()) {
        const QByteArray bytes = m_reply->read(kReadBytesPerPass);
        if (!bytes.isEmpty())
            Q_EMIT streamed(bytes);
        return;
    }
    const QByteArray bytes = m_reply->readAll();
    if (m_wholeBody.size() < format.maxBytes)
        m_wholeBody += bytes.left(format.maxBytes - m_wholeBody.size());
}
