#include "llm/LlmStream.h"

#include "core/Logging.h"
#include "llm/LlmCircuitBreaker.h"
#include "llm/LlmClient.h"
#include "llm/LlmNetworkPool.h"

#include <QJsonDocument>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QTimer>
#include <algorithm>

using namespace Qt::StringLiterals;

using Kind = LlmError::Kind;
using LlmFailures::seconds;

namespace {

constexpr qsizetype maxErrorBodyBytes = 64 * 1024;
constexpr qsizetype maxJsonBodyBytes = 16 * 1024 * 1024;
constexpr qint64 maxBackoffMs = 30000;
// A server asking us to wait longer than this gets a clear error instead of a silent long wait.
constexpr qint64 maxRetryAfterMs = 60000;

LlmFailures::Target targetOf(const QUrl &url, const LlmSettings &settings) {
    LlmFailures::Target target;
    target.host =
        url.port() > 0 ? url.host() + QLatin1Char(':') + QString::number(url.port()) : url.host();
    target.hostName = url.host();
    target.url = url.toDisplayString(QUrl::RemoveUserInfo);
    target.model = settings.model;
    target.hasApiKey = !settings.apiKey.isEmpty();
    return target;
}

} // namespace

LlmStream::LlmStream(LlmClient *client, const LlmSettings &settings, const ChatRequest &request,
                     LlmPriority priority, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_settings(settings)
    , m_claim(client, priority)
    , m_url(LlmClient::completionsUrl(settings.baseUrl))
    , m_target(targetOf(m_url, settings))
    , m_body(QJsonDocument(request.toOpenAiJson(settings.model)).toJson(QJsonDocument::Compact))
    , m_timer(new QTimer(this))
    , m_retryTimer(new QTimer(this))
    , m_decoder(m_target, settings.model) {
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &LlmStream::onTimeout);
    m_retryTimer->setSingleShot(true);
    m_retryTimer->setTimerType(Qt::PreciseTimer); // never earlier than Retry-After allows
    connect(m_retryTimer, &QTimer::timeout, this, &LlmStream::requestSlot);
    if (client) {
        // The client (and with it every reply) is going away: end the stream instead of hanging.
        connect(client, &LlmClient::shuttingDown, this, [this] {
            if (m_reply) {
                disconnect(m_reply, nullptr, this, nullptr);
                m_reply = nullptr;
            }
            if (!m_done)
                fail(LlmFailures::clientShutDown());
        });
        connect(client->breaker(), &LlmCircuitBreaker::opened, this, &LlmStream::onEndpointDown);
    }
    m_clock.start();
    QMetaObject::invokeMethod(this, &LlmStream::start, Qt::QueuedConnection);
}

LlmStream::~LlmStream() {
    dropReply();
}

void LlmStream::cancel() {
    if (m_done)
        return;
    fail(LlmFailures::cancelled());
}

bool LlmStream::isDone() const {
    return m_done;
}

int LlmStream::attempts() const {
    return m_attempts;
}

void LlmStream::start() {
    if (m_done)
        return;
    if (m_settings.baseUrl.isEmpty())
        fail(LlmFailures::notConfigured());
    else if (!m_url.isValid() || (m_url.scheme() != "http"_L1 && m_url.scheme() != "https"_L1))
        fail(LlmFailures::notHttpUrl(m_settings.baseUrl.toDisplayString(QUrl::RemoveUserInfo)));
    else
        requestSlot();
}

void LlmStream::requestSlot() {
    if (m_done)
        return;
    if (m_claim.isClientGone()) {
        fail(LlmFailures::clientShutDown());
        return;
    }
    const LlmEndpointClaim::Answer answer = m_claim.ask(this, [this] {
        if (!m_done && m_phase == Phase::Queued)
            sendAttempt();
    });
    switch (answer.kind) {
    case LlmEndpointClaim::Answer::Kind::Queued:
        setPhase(Phase::Queued);
        break;
    case LlmEndpointClaim::Answer::Kind::Paused:
        m_retryTimer->start(int(answer.ms)); // the endpoint's Retry-After holds every request
        break;
    case LlmEndpointClaim::Answer::Kind::Refused:
        fail(LlmFailures::endpointDown(answer.reason, answer.ms, m_target));
        break;
    }
}

void LlmStream::onEndpointDown(const QString &reason, qint64 retryInMs) {
    // Requests on the wire may still succeed; those waiting for a slot or a retry give up.
    if (!m_done && !m_reply && (m_phase == Phase::Queued || m_retryTimer->isActive()))
        fail(LlmFailures::endpointDown(reason, retryInMs, m_target));
}

void LlmStream::sendAttempt() {
    if (m_done || !m_client)
        return;
    ++m_attempts;
    m_headersSeen = false;
    m_decoder.reset();
    m_plainBody.clear();
    qCDebug(lcLlm).noquote() << "POST" << m_target.url << "model" << m_settings.model << "attempt"
                             << m_attempts;
    m_reply = m_client->network()->postJson(m_url, m_settings.apiKey, m_body);
    connect(m_reply, &QNetworkReply::requestSent, this, &LlmStream::onRequestSent);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &LlmStream::onHeaders);
    connect(m_reply, &QNetworkReply::readyRead, this, &LlmStream::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &LlmStream::onReplyFinished);
    setPhase(Phase::Connecting);
}

void LlmStream::onRequestSent() {
    if (m_phase == Phase::Connecting)
        setPhase(Phase::WaitingFirstDelta);
}

// The endpoint answered: unless it says it is overloaded or failing, it is up.
void LlmStream::onHeaders() {
    onRequestSent();
    if (m_headersSeen || !m_reply)
        return;
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    m_headersSeen = status != 0;
    m_claim.recordAnswer(status);
}

void LlmStream::onReadyRead() {
    if (!m_reply || m_done)
        return;
    onHeaders();
    readBody();
}

void LlmStream::readBody() {
    const QByteArray bytes = m_reply->readAll();
    if (bytes.isEmpty())
        return;
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray contentType =
        m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray().toLower();
    if (status / 100 != 2 || contentType.startsWith("application/json") ||
        contentType.startsWith("text/html")) {
        // Error bodies and non-streamed answers are read whole when the reply finishes.
        const qsizetype max = status / 100 == 2 ? maxJsonBodyBytes : maxErrorBodyBytes;
        if (m_plainBody.size() < max)
            m_plainBody += bytes.left(max - m_plainBody.size());
        return;
    }
    apply(m_decoder.feed(bytes));
}

bool LlmStream::apply(const OpenAiStreamDecoder::Progress &progress) {
    if (progress.sawDelta && m_ttftMs < 0)
        m_ttftMs = m_clock.elapsed();
    if (m_phase == Phase::Streaming) {
        if (progress.sawActivity)
            m_lastActivity.start(); // onTimeout() re-arms the idle timer from here
    } else if (progress.sawProgress) {
        setPhase(Phase::Streaming);
    }
    QPointer<LlmStream> self(this);
    for (const QString &content : progress.content) {
        m_content += content; // what the user saw is the partial result
        Q_EMIT contentDelta(content);
        if (!self || m_done)
            return false;
    }
    if (progress.failure) {
        retryOrFail(*progress.failure);
        return false;
    }
    if (progress.done) {
        succeed();
        return false;
    }
    return true;
}

void LlmStream::onReplyFinished() {
    if (!m_reply || m_done)
        return;
    QPointer<LlmStream> self(this);
    readBody();
    if (!self || m_done || !m_reply)
        return;

    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError networkError = m_reply->error();
    const QString networkMessage = m_reply->errorString();
    const QByteArray contentType =
        m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray().toLower();
    if (status / 100 == 2) {
        if (contentType.startsWith("application/json")) {
            apply(m_decoder.decodeWhole(m_plainBody));
        } else if (contentType.startsWith("text/html")) {
            retryOrFail(LlmFailures::forWebPage(status, m_target));
        } else if (apply(m_decoder.finish())) {
            if (m_decoder.hasFinishReason())
                succeed(); // some servers close without [DONE]; finish_reason says it is whole
            else
                retryOrFail(LlmFailures::forIncompleteStream(
                    status, networkError != QNetworkReply::NoError, networkMessage, m_target));
        }
        return;
    }
    if (status == 0) {
        retryOrFail(LlmFailures::forNetworkError(networkError, networkMessage, m_target));
        return;
    }
    if (status == 400 && m_content.isEmpty()) {
        if (const auto adapted = LlmFailures::adaptRequest(m_body, m_plainBody)) {
            qCInfo(lcLlm).noquote()
                << "the server rejected a request field; sending again" << adapted->change;
            m_body = adapted->body;
            dropReply();
            sendAttempt();
            return;
        }
    }
    const qint64 retryAfter = LlmFailures::retryAfterMs(m_reply->rawHeader("retry-after-ms"),
                                                        m_reply->rawHeader("Retry-After"));
    retryOrFail(LlmFailures::forStatus(status, m_plainBody, retryAfter, m_target));
}

void LlmStream::onTimeout() {
    if (m_done)
        return;
    if (m_phase == Phase::Streaming) {
        const qint64 idleLeftMs = m_settings.idleTimeoutMs - m_lastActivity.elapsed();
        if (idleLeftMs > 0) {
            m_timer->start(int(idleLeftMs));
            return;
        }
    }
    if (m_phase == Phase::Queued) {
        fail(LlmFailures::allSlotsBusy(m_claim.capacity(), m_settings.queueTimeoutMs));
        return;
    }
    const int status =
        m_reply ? m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() : 0;
    if (m_phase == Phase::Connecting)
        retryOrFail(LlmFailures::forTimeout(LlmFailures::Stage::Connecting,
                                            m_settings.connectTimeoutMs, status, m_target));
    else if (m_phase == Phase::WaitingFirstDelta)
        retryOrFail(LlmFailures::forTimeout(LlmFailures::Stage::FirstDelta,
                                            m_settings.firstTokenTimeoutMs, status, m_target));
    else
        retryOrFail(LlmFailures::forTimeout(LlmFailures::Stage::Streaming, m_settings.idleTimeoutMs,
                                            status, m_target));
}

void LlmStream::retryOrFail(const LlmFailure &failure) {
    dropReply();
    m_claim.recordFailure(failure.error);
    m_claim.release(); // a retry waits for a slot again, keeping its place in the line
    if (failure.retryable && m_content.isEmpty() && m_attempts <= m_settings.maxRetries) {
        qint64 delay = 0;
        if (failure.retryAfterMs >= 0) {
            delay = failure.retryAfterMs;
        } else {
            const qint64 base = std::min<qint64>(maxBackoffMs, qint64(m_settings.retryBaseDelayMs)
                                                                   << std::min(m_attempts - 1, 16));
            delay = base / 2 + QRandomGenerator::global()->bounded(base / 2 + 1);
        }
        if (delay <= maxRetryAfterMs) {
            if (failure.retryAfterMs >= 0)
                m_claim.pauseEndpoint(failure.retryAfterMs);
            qCInfo(lcLlm).noquote() << "attempt" << m_attempts << "failed:" << failure.error.message
                                    << "- retrying in" << delay << "ms";
            m_ttftMs = -1;
            m_retryTimer->start(int(delay));
            return;
        }
        LlmError error = failure.error;
        error.message += u" (the server asked to wait %1)"_s.arg(seconds(delay));
        fail(error);
        return;
    }
    LlmError error = failure.error;
    if (m_attempts > 1)
        error.message += u" (after %1 attempts)"_s.arg(m_attempts);
    fail(error);
}

void LlmStream::succeed() {
    m_done = true;
    m_timer->stop();
    m_retryTimer->stop();
    m_claim.release();
    dropReply(LlmNetworkPool::Retire::LetFinish);
    LlmResult result = snapshot();
    if (!result.toolCalls.isEmpty())
        result.finishReason = u"tool_calls"_s;
    else if (result.finishReason.isEmpty())
        result.finishReason = u"stop"_s;
    qCInfo(lcLlm).noquote() << "reply finished:" << result.model << result.finishReason << "tokens"
                            << result.usage.promptTokens << "+" << result.usage.completionTokens
                            << "ttft" << result.ttftMs << "ms, total" << result.durationMs
                            << "ms, attempts" << m_attempts;
    Q_EMIT finished(result);
}

void LlmStream::fail(const LlmError &error) {
    m_done = true;
    m_timer->stop();
    m_retryTimer->stop();
    dropReply();
    m_claim.release();
    const LlmResult partial = snapshot();
    if (error.kind == Kind::Cancelled)
        qCInfo(lcLlm).noquote() << "request cancelled after" << partial.durationMs << "ms";
    else
        qCWarning(lcLlm).noquote() << "request failed:" << error.kindName() << "-" << error.message;
    Q_EMIT failed(error, partial);
}

void LlmStream::dropReply(LlmNetworkPool::Retire how) {
    m_timer->stop();
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    disconnect(reply, nullptr, this, nullptr);
    if (m_client)
        m_client->network()->retire(reply, how);
    else
        reply->deleteLater(); // its manager is gone with the client
}

void LlmStream::setPhase(Phase phase) {
    m_phase = phase;
    int timeoutMs = 0;
    switch (phase) {
    case Phase::Idle:
        break;
    case Phase::Queued:
        timeoutMs = m_settings.queueTimeoutMs;
        break;
    case Phase::Connecting:
        timeoutMs = m_settings.connectTimeoutMs;
        break;
    case Phase::WaitingFirstDelta:
        timeoutMs = m_settings.firstTokenTimeoutMs;
        break;
    case Phase::Streaming:
        timeoutMs = m_settings.idleTimeoutMs;
        m_lastActivity.start();
        break;
    }
    if (timeoutMs > 0)
        m_timer->start(timeoutMs);
    else
        m_timer->stop();
}

LlmResult LlmStream::snapshot() const {
    LlmResult result = m_decoder.result();
    result.content = m_content;
    result.ttftMs = m_ttftMs;
    result.durationMs = m_clock.elapsed();
    return result;
}
