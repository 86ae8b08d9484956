#include "llm/LlmStream.h"

#include "core/Logging.h"
#include "llm/LlmCircuitBreaker.h"
#include "llm/LlmClient.h"
#include "llm/LlmNetworkPool.h"
#include "llm/LlmReplyFormat.h"
#include "llm/LlmReplyReader.h"
#include "llm/LlmRetryPolicy.h"

#include <QJsonDocument>
#include <QNetworkReply>
#include <QTimer>

using namespace Qt::StringLiterals;

using Phase = LlmPhaseTimer::Phase;

LlmStream::LlmStream(LlmClient *client, const LlmSettings &settings, const ChatRequest &request,
                     LlmPriority priority, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_settings(settings)
    , m_claim(client, priority)
    , m_url(LlmClient::completionsUrl(settings.baseUrl))
    , m_target(LlmFailures::Target::of(m_url, settings.model, !settings.apiKey.isEmpty()))
    , m_body(QJsonDocument(request.toOpenAiJson(settings.model)).toJson(QJsonDocument::Compact))
    , m_deadline(new LlmPhaseTimer(settings, this))
    , m_retryTimer(new QTimer(this))
    , m_reader(new LlmReplyReader(this))
    , m_decoder(m_target, settings.model) {
    connect(m_reader, &LlmReplyReader::streamed, this,
            [this](const QByteArray &bytes) { apply(m_decoder.feed(bytes)); });
    connect(m_reader, &LlmReplyReader::ended, this, &LlmStream::endOfBody);
    connect(m_deadline, &LlmPhaseTimer::expired, this, &LlmStream::onTimeout);
    m_retryTimer->setSingleShot(true);
    m_retryTimer->setTimerType(Qt::PreciseTimer); // never earlier than Retry-After allows
    connect(m_retryTimer, &QTimer::timeout, this, &LlmStream::requestSlot);
    if (client) {
        // The client (and with it every reply) is going away: end the stream instead of hanging.
        connect(client, &LlmClient::shuttingDown, this, [this] {
            if (m_reply)
                m_reply->disconnect(this);
            m_reply = nullptr;
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

void LlmStream::start() {
    if (m_done)
        return;
    if (const std::optional<LlmError> error = LlmFailures::forBaseUrl(m_settings.baseUrl, m_url))
        fail(*error);
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
        if (!m_done && m_deadline->phase() == Phase::Queued)
            sendAttempt();
    });
    switch (answer.kind) {
    case LlmEndpointClaim::Answer::Kind::Queued:
        m_deadline->setPhase(Phase::Queued);
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
    if (!m_done && !m_reply && (m_deadline->phase() == Phase::Queued || m_retryTimer->isActive()))
        fail(LlmFailures::endpointDown(reason, retryInMs, m_target));
}

void LlmStream::sendAttempt() {
    if (m_done || !m_client)
        return;
    ++m_attempts;
    m_headersSeen = false;
    m_decoder.reset();
    qCDebug(lcLlm).noquote() << "POST" << m_target.url << "model" << m_settings.model << "attempt"
                             << m_attempts;
    m_reply = m_client->network()->postJson(m_settings, m_url, m_body);
    connect(m_reply, &QNetworkReply::requestSent, this, &LlmStream::onRequestSent);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &LlmStream::onHeaders);
    connect(m_reply, &QNetworkReply::readyRead, this, &LlmStream::onHeaders);
    m_reader->follow(m_reply);
    m_deadline->setPhase(Phase::Connecting);
}

void LlmStream::onRequestSent() {
    if (m_deadline->phase() == Phase::Connecting)
        m_deadline->setPhase(Phase::WaitingFirstDelta);
}

// The endpoint answered: unless it says it is overloaded or failing, it is up.
void LlmStream::onHeaders() {
    onRequestSent();
    if (m_headersSeen || !m_reply)
        return;
    const int status = LlmReplyFormat::statusOf(*m_reply);
    m_headersSeen = status != 0;
    m_claim.recordAnswer(status);
}

bool LlmStream::apply(const OpenAiStreamDecoder::Progress &progress) {
    if (progress.sawDelta && m_ttftMs < 0)
        m_ttftMs = m_clock.elapsed();
    if (m_deadline->phase() == Phase::Streaming) {
        if (progress.sawActivity)
            m_deadline->noteActivity();
    } else if (progress.sawProgress) {
        m_deadline->setPhase(Phase::Streaming);
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

void LlmStream::endOfBody() {
    const int status = LlmReplyFormat::statusOf(*m_reply);
    switch (LlmReplyFormat::of(*m_reply).kind) {
    case LlmReplyFormat::Kind::Json:
        apply(m_decoder.decodeWhole(m_reader->wholeBody()));
        return;
    case LlmReplyFormat::Kind::WebPage:
        retryOrFail(LlmFailures::forWebPage(status, m_target));
        return;
    case LlmReplyFormat::Kind::EventStream:
        if (apply(m_decoder.finish())) {
            if (m_decoder.hasFinishReason())
                succeed(); // some servers close without [DONE]; finish_reason says it is whole
            else
                retryOrFail(LlmFailures::forIncompleteStream(
                    status, m_reply->error() != QNetworkReply::NoError, m_reply->errorString(),
                    m_target));
        }
        return;
    case LlmReplyFormat::Kind::Error:
        break;
    }
    if (status == 400 && m_content.isEmpty()) {
        if (const auto adapted = LlmFailures::adaptRequest(m_body, m_reader->wholeBody())) {
            qCInfo(lcLlm).noquote()
                << "the server rejected a request field; sending again" << adapted->change;
            m_body = adapted->body;
            dropReply();
            sendAttempt();
            return;
        }
    }
    retryOrFail(LlmFailures::forFailedReply(*m_reply, m_reader->wholeBody(), m_target));
}

void LlmStream::onTimeout(LlmPhaseTimer::Phase phase) {
    if (m_done)
        return;
    if (phase == Phase::Queued) {
        fail(LlmFailures::allSlotsBusy(m_claim.capacity(), m_settings.queueTimeoutMs));
        return;
    }
    const int status = m_reply ? LlmReplyFormat::statusOf(*m_reply) : 0;
    const LlmFailures::Stage stage = phase == Phase::Connecting ? LlmFailures::Stage::Connecting
                                     : phase == Phase::WaitingFirstDelta
                                         ? LlmFailures::Stage::FirstDelta
                                         : LlmFailures::Stage::Streaming;
    retryOrFail(LlmFailures::forTimeout(stage, m_deadline->timeoutMs(phase), status, m_target));
}

void LlmStream::retryOrFail(const LlmFailure &failure) {
    dropReply();
    m_claim.recordFailure(failure.error);
    const LlmError::Kind kind = failure.error.kind;
    if (m_client && failure.error.httpStatus == 0 &&
        (kind == LlmError::Kind::Unavailable || kind == LlmError::Kind::Timeout))
        m_client->noteConnectionFailure();
    m_claim.release(); // a retry waits for a slot again, keeping its place in the line
    const LlmRetryPolicy::Decision decision =
        LlmRetryPolicy::decide(failure, m_attempts, !m_content.isEmpty(), m_settings);
    if (!decision.retry) {
        fail(decision.error);
        return;
    }
    if (failure.retryAfterMs >= 0)
        m_claim.pauseEndpoint(failure.retryAfterMs);
    qCInfo(lcLlm).noquote() << "attempt" << m_attempts << "failed:" << failure.error.message
                            << "- retrying in" << decision.delayMs << "ms";
    m_ttftMs = -1;
    m_retryTimer->start(int(decision.delayMs));
}

void LlmStream::end(LlmNetworkPool::Retire how) {
    m_done = true;
    m_retryTimer->stop();
    dropReply(how);
    m_claim.release();
}

void LlmStream::succeed() {
    end(LlmNetworkPool::Retire::LetFinish);
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
    end(LlmNetworkPool::Retire::Abort);
    const LlmResult partial = snapshot();
    if (error.kind == LlmError::Kind::Cancelled)
        qCInfo(lcLlm).noquote() << "request cancelled after" << partial.durationMs << "ms";
    else
        qCWarning(lcLlm).noquote() << "request failed:" << error.kindName() << "-" << error.message;
    Q_EMIT failed(error, partial);
}

void LlmStream::dropReply(LlmNetworkPool::Retire how) {
    m_deadline->stop();
    m_reader->stop();
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

LlmResult LlmStream::snapshot() const {
    LlmResult result = m_decoder.result();
    result.content = m_content;
    result.ttftMs = m_ttftMs;
    result.durationMs = m_clock.elapsed();
    return result;
}
