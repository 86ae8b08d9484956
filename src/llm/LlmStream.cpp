#include "llm/LlmStream.h"

#include "core/Logging.h"
#include "llm/LlmCircuitBreaker.h"
#include "llm/LlmClient.h"
#include "llm/LlmNetworkPool.h"
#include "llm/SseParser.h"
#include "llm/ToolCallAssembler.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QTimeZone>
#include <QTimer>
#include <algorithm>

using Kind = LlmError::Kind;

struct LlmStream::Failure {
    LlmError error;
    bool retryable = false;   // another attempt may succeed (before any content reached the user)
    qint64 retryAfterMs = -1; // the server's Retry-After, if any
};

namespace {

constexpr qsizetype maxErrorBodyBytes = 64 * 1024;
constexpr qsizetype maxJsonBodyBytes = 16 * 1024 * 1024;
constexpr qint64 maxBackoffMs = 30000;
// A server asking us to wait longer than this gets a clear error instead of a silent long wait.
constexpr qint64 maxRetryAfterMs = 60000;

QString seconds(qint64 ms) {
    return QString::number(ms / 1000.0, 'f', ms % 1000 == 0 ? 0 : 1) + QLatin1String(" s");
}

QString truncated(const QString &text, qsizetype max = 300) {
    const QString simple = text.simplified();
    return simple.size() <= max ? simple : simple.left(max) + QStringLiteral("…");
}

// Retry-After (seconds or an HTTP date) or OpenAI's retry-after-ms; -1 when absent.
qint64 retryAfterMs(const QNetworkReply *reply) {
    bool ok = false;
    const double ms = reply->rawHeader("retry-after-ms").trimmed().toDouble(&ok);
    if (ok && ms >= 0)
        return qint64(ms);
    const QByteArray value = reply->rawHeader("Retry-After").trimmed();
    if (value.isEmpty())
        return -1;
    const double secs = value.toDouble(&ok);
    if (ok && secs >= 0)
        return qint64(secs * 1000);
    // HTTP-date (RFC 9110), e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
    QDateTime when = QLocale::c().toDateTime(QString::fromLatin1(value),
                                             QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"));
    when.setTimeZone(QTimeZone::utc());
    if (when.isValid())
        return std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(when));
    return -1;
}

// The human part of an error body: OpenAI {"error":{"message",…}}, {"error":"…"}, {"detail":…},
// {"message":…}, or the text itself.
struct ServerError {
    QString message;
    QString code; // error.code or error.type
};

ServerError parseServerError(const QJsonValue &value) {
    if (value.isString())
        return {truncated(value.toString()), {}};
    const QJsonObject object = value.toObject();
    const QJsonValue error = object.value(QLatin1String("error"));
    if (error.isObject()) {
        const QJsonObject e = error.toObject();
        QString code = e.value(QLatin1String("code")).toString();
        if (code.isEmpty())
            code = e.value(QLatin1String("type")).toString();
        return {truncated(e.value(QLatin1String("message")).toString()), code};
    }
    if (error.isString())
        return {truncated(error.toString()), {}};
    for (const char *key : {"detail", "message"}) {
        const QJsonValue v = object.value(QLatin1String(key));
        if (v.isString())
            return {truncated(v.toString()), {}};
        if (v.isArray() || v.isObject()) {
            const QJsonDocument document =
                v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject());
            return {truncated(QString::fromUtf8(document.toJson(QJsonDocument::Compact))), {}};
        }
    }
    return {};
}

ServerError parseServerError(const QByteArray &body) {
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error == QJsonParseError::NoError && document.isObject())
        return parseServerError(document.object());
    return {truncated(QString::fromUtf8(body)), {}};
}

QString withServerMessage(const QString &what, const ServerError &server) {
    return server.message.isEmpty() ? what : what + QLatin1String(": ") + server.message;
}

} // namespace

LlmStream::LlmStream(LlmClient *client, const LlmSettings &settings, const ChatRequest &request,
                     LlmPriority priority, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_settings(settings)
    , m_priority(priority)
    , m_url(LlmClient::completionsUrl(settings.baseUrl))
    , m_body(QJsonDocument(request.toOpenAiJson(settings.model)).toJson(QJsonDocument::Compact))
    , m_timer(new QTimer(this))
    , m_retryTimer(new QTimer(this))
    , m_parser(std::make_unique<SseParser>())
    , m_toolCalls(std::make_unique<ToolCallAssembler>()) {
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &LlmStream::onTimeout);
    m_retryTimer->setSingleShot(true);
    m_retryTimer->setTimerType(Qt::PreciseTimer); // never earlier than Retry-After allows
    connect(m_retryTimer, &QTimer::timeout, this, &LlmStream::requestSlot);
    m_result.model = settings.model;
    if (client) {
        m_ticket = client->queue()->newTicket();
        // The client (and with it every reply) is going away: end the stream instead of hanging.
        connect(client, &LlmClient::shuttingDown, this, [this] {
            if (m_reply) {
                disconnect(m_reply, nullptr, this, nullptr);
                m_reply = nullptr;
            }
            if (!m_done)
                fail({Kind::Unavailable, QStringLiteral("the LLM client was shut down"), 0, true});
        });
        connect(client->breaker(), &LlmCircuitBreaker::opened, this, &LlmStream::onEndpointDown);
    }
    m_clock.start();
    QMetaObject::invokeMethod(this, &LlmStream::start, Qt::QueuedConnection);
}

LlmStream::~LlmStream() {
    dropReply();
    releaseSlot();
}

void LlmStream::cancel() {
    if (m_done)
        return;
    fail({Kind::Cancelled, QStringLiteral("the request was cancelled"), 0, false});
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
    if (m_settings.baseUrl.isEmpty()) {
        fail({Kind::Unavailable,
              QStringLiteral("no LLM is configured: set OPENAI_API_KEY to use OpenAI, or "
                             "--llm-base-url (OPENAI_BASE_URL) to use an OpenAI-compatible "
                             "server such as Ollama (http://127.0.0.1:11434/v1), or install the "
                             "bundled local model"),
              0, true});
        return;
    }
    if (!m_url.isValid() ||
        (m_url.scheme() != QLatin1String("http") && m_url.scheme() != QLatin1String("https"))) {
        fail({Kind::Unavailable,
              QStringLiteral("the LLM base URL \"%1\" is not an http(s) URL: fix --llm-base-url "
                             "(OPENAI_BASE_URL), e.g. https://api.openai.com/v1")
                  .arg(m_settings.baseUrl.toDisplayString(QUrl::RemoveUserInfo)),
              0, false});
        return;
    }
    requestSlot();
}

void LlmStream::requestSlot() {
    if (m_done)
        return;
    if (!m_client) {
        fail({Kind::Unavailable, QStringLiteral("the LLM client was shut down"), 0, false});
        return;
    }
    LlmCircuitBreaker *breaker = m_client->breaker();
    if (const qint64 pausedMs = breaker->pausedForMs(); pausedMs > 0) {
        m_retryTimer->start(int(pausedMs)); // the endpoint's Retry-After holds every request
        return;
    }
    const LlmCircuitBreaker::Verdict verdict = breaker->admit();
    if (!verdict.allowed) {
        failEndpointDown(verdict.reason, verdict.retryInMs);
        return;
    }
    m_isProbe = verdict.probe;
    setPhase(Phase::Queued);
    m_client->queue()->request(m_ticket, m_priority, this, [this] {
        if (!m_done && m_phase == Phase::Queued)
            sendAttempt();
    });
}

void LlmStream::releaseSlot() {
    if (!m_client)
        return;
    m_client->queue()->release(m_ticket);
    if (m_isProbe) {
        m_isProbe = false;
        m_client->breaker()->abandonProbe();
    }
}

void LlmStream::onEndpointDown(const QString &reason, qint64 retryInMs) {
    // Requests on the wire may still succeed; those waiting for a slot or a retry give up.
    if (!m_done && !m_reply && (m_phase == Phase::Queued || m_retryTimer->isActive()))
        failEndpointDown(reason, retryInMs);
}

void LlmStream::failEndpointDown(const QString &reason, qint64 retryInMs) {
    LlmError error{Kind::Unavailable,
                   QStringLiteral("the LLM server at %1 is not answering: %2; new requests fail "
                                  "at once until it recovers; try again in %3")
                       .arg(host(), reason, seconds(retryInMs)),
                   0, true};
    error.retryAfterMs = retryInMs;
    fail(error);
}

void LlmStream::sendAttempt() {
    if (m_done || !m_client)
        return;
    ++m_attempts;
    m_headersSeen = false;
    m_parser->reset();
    m_toolCalls->clear();
    m_plainBody.clear();
    m_result.finishReason.clear();
    m_result.usage = {};

    QNetworkRequest request(m_url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Accept", "text/event-stream");
    request.setHeader(QNetworkRequest::UserAgentHeader,
                      QByteArray(QByteArrayLiteral("realtime-ai/") +
                                 QCoreApplication::applicationVersion().toUtf8()));
    if (!m_settings.apiKey.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_settings.apiKey.toUtf8());
    // HTTP/1.1 for every server: long-lived SSE responses over Qt 6.4's HTTP/2 add nothing and
    // are less proven; each stream costs one pooled keep-alive connection.
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);

    qCDebug(lcLlm).noquote() << "POST" << m_url.toDisplayString(QUrl::RemoveUserInfo) << "model"
                             << m_settings.model << "attempt" << m_attempts;
    m_reply = m_client->network()->post(request, m_body);
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
    if (m_headersSeen || !m_reply || !m_client)
        return;
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return;
    m_headersSeen = true;
    if (status != 429 && status < 500) {
        m_isProbe = false;
        m_client->breaker()->recordSuccess();
    }
}

void LlmStream::onReadyRead() {
    if (!m_reply || m_done)
        return;
    onHeaders();
    processBody(m_reply->readAll());
}

void LlmStream::processBody(const QByteArray &bytes) {
    if (bytes.isEmpty())
        return;
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray contentType =
        m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray().toLower();
    if (status / 100 != 2 || contentType.startsWith("application/json") ||
        contentType.startsWith("text/html")) {
        const qsizetype max = status / 100 == 2 ? maxJsonBodyBytes : maxErrorBodyBytes;
        if (m_plainBody.size() < max)
            m_plainBody += bytes.left(max - m_plainBody.size());
        return;
    }
    const QList<SseEvent> events = m_parser->feed(bytes);
    if (m_parser->hasError()) {
        fail({Kind::Protocol,
              QStringLiteral("the LLM server at %1 sent an event stream line longer than 8 MB; "
                             "check that the base URL points at an OpenAI-compatible API")
                  .arg(host()),
              status, false});
        return;
    }
    QPointer<LlmStream> self(this);
    for (const SseEvent &event : events) {
        if (!handleEvent(event.event, event.data) || !self || m_done)
            return;
    }
}

bool LlmStream::handleEvent(const QString &eventType, const QString &data) {
    if (data.trimmed() == QLatin1String("[DONE]")) {
        succeed();
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(data.toUtf8(), &parseError);
    const bool namedEvent = !eventType.isEmpty() && eventType != QLatin1String("message") &&
                            eventType != QLatin1String("error");
    if (namedEvent && !document.isObject())
        return true; // e.g. "event: ping": not part of the Chat Completions stream
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        fail({Kind::Protocol,
              QStringLiteral("the LLM server at %1 sent a malformed event (%2): \"%3\"; check "
                             "that it is an OpenAI-compatible server")
                  .arg(host(), parseError.errorString(), truncated(data, 120)),
              200, true});
        return false;
    }
    const QJsonObject chunk = document.object();
    const QJsonValue errorValue = chunk.value(QLatin1String("error"));
    if ((!errorValue.isNull() && !errorValue.isUndefined()) ||
        eventType == QLatin1String("error")) {
        const ServerError server = parseServerError(chunk);
        const QString code = server.code.toLower();
        Failure failure;
        failure.error.httpStatus = 200;
        failure.error.retryable = true;
        const QString what = QStringLiteral("the LLM server at %1 reported an error in the middle "
                                            "of the reply")
                                 .arg(host());
        if (code.contains(QLatin1String("rate_limit"))) {
            failure.error.kind = Kind::RateLimited;
            failure.retryable = true;
        } else if (code.contains(QLatin1String("server_error")) ||
                   code.contains(QLatin1String("overloaded")) ||
                   code.contains(QLatin1String("unavailable"))) {
            failure.error.kind = Kind::Unavailable;
            failure.retryable = true;
        } else if (code.contains(QLatin1String("context_length")) ||
                   code.contains(QLatin1String("invalid_request"))) {
            failure.error.kind = Kind::BadRequest;
            failure.error.retryable = false;
        } else {
            failure.error.kind = Kind::Protocol;
        }
        failure.error.message = withServerMessage(what, server);
        retryOrFail(failure);
        return false;
    }
    handleChunk(chunk);
    return true;
}

void LlmStream::handleChunk(const QJsonObject &chunk) {
    const QString model = chunk.value(QLatin1String("model")).toString();
    if (!model.isEmpty())
        m_result.model = model;
    const QJsonValue usage = chunk.value(QLatin1String("usage"));
    if (usage.isObject()) {
        const QJsonObject u = usage.toObject();
        m_result.usage.promptTokens = u.value(QLatin1String("prompt_tokens")).toInt();
        m_result.usage.completionTokens = u.value(QLatin1String("completion_tokens")).toInt();
    }

    const QJsonArray choices = chunk.value(QLatin1String("choices")).toArray();
    if (choices.isEmpty()) {
        noteActivity(false);
        return;
    }
    const QJsonObject choice = choices.first().toObject();
    const QJsonObject delta = choice.value(QLatin1String("delta")).toObject();
    const QString finishReason = choice.value(QLatin1String("finish_reason")).toString();
    if (!finishReason.isEmpty())
        m_result.finishReason = finishReason;

    const QJsonArray toolCallDeltas = delta.value(QLatin1String("tool_calls")).toArray();
    if (!toolCallDeltas.isEmpty())
        m_toolCalls->add(toolCallDeltas);
    const QString content = delta.value(QLatin1String("content")).toString();
    // Reasoning models stream their thoughts first: proof of life, but nothing to show.
    const bool reasoning = !delta.value(QLatin1String("reasoning_content")).toString().isEmpty() ||
                           !delta.value(QLatin1String("reasoning")).toString().isEmpty();
    const bool isDelta = !content.isEmpty() || !toolCallDeltas.isEmpty();
    noteActivity(isDelta || reasoning);
    if (isDelta && m_result.ttftMs < 0)
        m_result.ttftMs = m_clock.elapsed();
    if (!content.isEmpty()) {
        m_result.content += content;
        m_contentEmitted = true;
        Q_EMIT contentDelta(content);
    }
}

void LlmStream::noteActivity(bool isDelta) {
    if (m_phase == Phase::Streaming)
        m_lastActivity
            .start(); // onTimeout() re-arms the idle timer from here: no restart per token
    else if (isDelta)
        setPhase(Phase::Streaming);
}

void LlmStream::handleCompleteResponse(const QByteArray &body) {
    const QJsonDocument document = QJsonDocument::fromJson(body);
    const QJsonObject response = document.object();
    const QJsonObject choice =
        response.value(QLatin1String("choices")).toArray().first().toObject();
    const QJsonObject message = choice.value(QLatin1String("message")).toObject();
    const QJsonValue error = response.value(QLatin1String("error"));
    if ((!error.isNull() && !error.isUndefined()) || message.isEmpty()) {
        const ServerError server = parseServerError(body);
        fail({Kind::Protocol,
              withServerMessage(QStringLiteral("the LLM server at %1 answered with JSON that is "
                                               "not a chat completion")
                                    .arg(host()),
                                server),
              200, true});
        return;
    }
    QJsonObject asChunk = response;
    QJsonObject asChoice = choice;
    asChoice.insert(QStringLiteral("delta"), message);
    asChunk.insert(QStringLiteral("choices"), QJsonArray{asChoice});
    QPointer<LlmStream> self(this);
    handleChunk(asChunk);
    if (self && !m_done)
        succeed();
}

void LlmStream::onReplyFinished() {
    if (!m_reply || m_done)
        return;
    QPointer<LlmStream> self(this);
    processBody(m_reply->readAll());
    if (!self || m_done || !m_reply)
        return;

    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError networkError = m_reply->error();
    const QString networkMessage = m_reply->errorString();
    const qint64 retryAfter = retryAfterMs(m_reply);
    const QByteArray contentType =
        m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray().toLower();

    if (status / 100 == 2) {
        if (contentType.startsWith("application/json")) {
            handleCompleteResponse(m_plainBody);
            return;
        }
        if (contentType.startsWith("text/html")) {
            fail({Kind::Protocol,
                  QStringLiteral("%1 answered with a web page, not a chat completion: check "
                                 "--llm-base-url (OPENAI_BASE_URL); it should be the API base, "
                                 "e.g. http://127.0.0.1:11434/v1")
                      .arg(m_url.toDisplayString(QUrl::RemoveUserInfo)),
                  status, false});
            return;
        }
        for (const SseEvent &event : m_parser->finish()) {
            if (!handleEvent(event.event, event.data) || !self || m_done)
                return;
        }
        if (!m_result.finishReason.isEmpty()) {
            succeed(); // some servers close without [DONE]; finish_reason says the reply is whole
            return;
        }
        Failure failure;
        failure.retryable = true;
        failure.error.httpStatus = status;
        failure.error.retryable = true;
        if (networkError != QNetworkReply::NoError) {
            failure.error.kind = Kind::Unavailable;
            failure.error.message = QStringLiteral("the connection to the LLM server at %1 was "
                                                   "lost in the middle of the reply (%2); try "
                                                   "again")
                                        .arg(host(), networkMessage);
        } else {
            failure.error.kind = Kind::Protocol;
            failure.error.message = QStringLiteral("the LLM server at %1 ended the reply before "
                                                   "it was complete (no [DONE], no "
                                                   "finish_reason); try again")
                                        .arg(host());
        }
        retryOrFail(failure);
        return;
    }

    Failure failure;
    failure.retryAfterMs = retryAfter;
    failure.error.httpStatus = status;
    if (status == 0) {
        failure.error.kind = Kind::Unavailable;
        failure.error.retryable = true;
        switch (networkError) {
        case QNetworkReply::SslHandshakeFailedError:
            failure.error.message = QStringLiteral("the TLS handshake with %1 failed (%2): check "
                                                   "the scheme of --llm-base-url (http or https)")
                                        .arg(host(), networkMessage);
            break;
        case QNetworkReply::HostNotFoundError:
            failure.retryable = true;
            failure.error.message = QStringLiteral("the LLM server host %1 was not found: check "
                                                   "--llm-base-url (OPENAI_BASE_URL) and the "
                                                   "network")
                                        .arg(m_url.host());
            break;
        default:
            failure.retryable = true;
            failure.error.message = QStringLiteral("could not reach the LLM server at %1 (%2): "
                                                   "check that it is running and that "
                                                   "--llm-base-url (OPENAI_BASE_URL) is right")
                                        .arg(host(), networkMessage);
            break;
        }
        retryOrFail(failure);
        return;
    }

    const ServerError server = parseServerError(m_plainBody);
    if (status == 400 && !m_contentEmitted && adaptRequestTo(server.message)) {
        dropReply();
        sendAttempt();
        return;
    }
    const QString code = server.code.toLower();
    const QString httpText = QStringLiteral("HTTP %1").arg(status);
    if (status == 401) {
        failure.error.kind = Kind::Auth;
        failure.error.message =
            m_settings.apiKey.isEmpty()
                ? withServerMessage(QStringLiteral("the LLM server at %1 requires an API key (%2)")
                                        .arg(host(), httpText),
                                    server) +
                      QStringLiteral("; set OPENAI_API_KEY (or llm/api_key in the config file)")
                : withServerMessage(
                      QStringLiteral("the API key was rejected by %1 (%2)").arg(host(), httpText),
                      server) +
                      QStringLiteral("; set OPENAI_API_KEY (or llm/api_key in the config "
                                     "file) to a valid key");
    } else if (status == 403) {
        failure.error.kind = Kind::Auth;
        failure.error.message =
            withServerMessage(
                QStringLiteral("the LLM server at %1 refused access (%2)").arg(host(), httpText),
                server) +
            QStringLiteral("; check that the API key may use the model \"%1\"")
                .arg(m_settings.model);
    } else if (status == 429) {
        failure.error.kind = Kind::RateLimited;
        if (code == QLatin1String("insufficient_quota")) {
            failure.error.message =
                withServerMessage(
                    QStringLiteral("the LLM account has no quota left (%1)").arg(httpText),
                    server) +
                QStringLiteral("; check the plan and billing of the API key");
        } else {
            failure.retryable = true;
            failure.error.retryable = true;
            failure.error.message =
                withServerMessage(QStringLiteral("the LLM server at %1 is rate limiting requests "
                                                 "(%2)")
                                      .arg(host(), httpText),
                                  server) +
                QStringLiteral("; wait a moment and try again");
        }
    } else if (status == 408) {
        failure.error.kind = Kind::Timeout;
        failure.retryable = true;
        failure.error.retryable = true;
        failure.error.message = QStringLiteral("the LLM server at %1 timed out reading the "
                                               "request (HTTP 408); try again")
                                    .arg(host());
    } else if (status >= 500) {
        failure.error.kind = Kind::Unavailable;
        failure.retryable = true;
        failure.error.retryable = true;
        failure.error.message =
            withServerMessage(
                QStringLiteral("the LLM server at %1 failed (%2)").arg(host(), httpText), server) +
            QStringLiteral("; try again later");
    } else if (status == 404) {
        failure.error.kind = Kind::BadRequest;
        failure.error.message =
            withServerMessage(QStringLiteral("the LLM server answered 404 Not Found for %1")
                                  .arg(m_url.toDisplayString(QUrl::RemoveUserInfo)),
                              server) +
            QStringLiteral("; check --llm-base-url (most servers want it to end with /v1) and "
                           "that the model \"%1\" exists there")
                .arg(m_settings.model);
    } else if (code == QLatin1String("context_length_exceeded")) {
        failure.error.kind = Kind::BadRequest;
        failure.error.message =
            withServerMessage(QStringLiteral("the conversation is too long for the model"),
                              server) +
            QStringLiteral("; start a new session");
    } else if (status / 100 == 4) {
        failure.error.kind = Kind::BadRequest;
        failure.error.message =
            withServerMessage(QStringLiteral("the LLM server at %1 rejected the request (%2)")
                                  .arg(host(), httpText),
                              server) +
            QStringLiteral("; check the model name \"%1\" and the server's documentation")
                .arg(m_settings.model);
    } else {
        failure.error.kind = Kind::Protocol;
        failure.error.message = QStringLiteral("the LLM server at %1 answered with the "
                                               "unexpected status %2; check --llm-base-url")
                                    .arg(host(), httpText);
    }
    retryOrFail(failure);
}

bool LlmStream::adaptRequestTo(const QString &serverMessage) {
    QJsonObject body = QJsonDocument::fromJson(m_body).object();
    const auto mentions = [&serverMessage](const char *text) {
        return serverMessage.contains(QLatin1String(text), Qt::CaseInsensitive);
    };
    QString change;
    if (mentions("stream_options") && body.contains(QLatin1String("stream_options"))) {
        body.remove(QLatin1String("stream_options"));
        change = QStringLiteral("without stream_options (no token usage will be reported)");
    } else if (mentions("max_completion_tokens") && body.contains(QLatin1String("max_tokens"))) {
        body.insert(QStringLiteral("max_completion_tokens"),
                    body.take(QLatin1String("max_tokens")));
        change = QStringLiteral("with max_completion_tokens instead of max_tokens");
    } else if (mentions("temperature") && body.contains(QLatin1String("temperature"))) {
        body.remove(QLatin1String("temperature"));
        change = QStringLiteral("without temperature");
    } else {
        return false;
    }
    qCInfo(lcLlm).noquote() << "the server rejected a request field; sending again" << change;
    m_body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return true;
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
        // Our own cap, not the endpoint: nothing to retry and nothing for the breaker to count.
        fail({Kind::Unavailable,
              QStringLiteral("all %1 LLM connections of this server are busy "
                             "(llm/max_connections, RTAI_LLM_MAX_CONNECTIONS) and the request "
                             "waited %2 for one; try again, or raise the limit")
                  .arg(m_client ? m_client->queue()->capacity() : 0)
                  .arg(seconds(m_settings.queueTimeoutMs)),
              0, true});
        return;
    }
    Failure failure;
    failure.error.kind = Kind::Timeout;
    failure.error.retryable = true;
    switch (m_phase) {
    case Phase::Queued:
        break;
    case Phase::Connecting:
        failure.retryable = true;
        failure.error.message = QStringLiteral("could not connect to the LLM server at %1 within "
                                               "%2: check that it is running and reachable")
                                    .arg(host(), seconds(m_settings.connectTimeoutMs));
        break;
    case Phase::WaitingFirstDelta:
        failure.error.message = QStringLiteral("the LLM server at %1 did not start answering "
                                               "within %2; it may be overloaded (try again) or "
                                               "the model may be too slow for this machine")
                                    .arg(host(), seconds(m_settings.firstTokenTimeoutMs));
        break;
    case Phase::Streaming:
    case Phase::Idle:
        failure.error.message = QStringLiteral("the LLM server at %1 stopped sending the reply "
                                               "for %2; try again")
                                    .arg(host(), seconds(m_settings.idleTimeoutMs));
        break;
    }
    if (m_reply) {
        failure.error.httpStatus =
            m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    }
    retryOrFail(failure);
}

void LlmStream::retryOrFail(const Failure &failure) {
    dropReply();
    const Kind kind = failure.error.kind;
    const bool endpointFault = kind == Kind::Unavailable || kind == Kind::Timeout ||
                               (kind == Kind::RateLimited && failure.error.retryable);
    if (endpointFault && m_client) {
        m_isProbe = false;
        m_client->breaker()->recordFailure(failure.error.message);
    }
    releaseSlot(); // a retry waits for a slot again, keeping its place in the line
    if (failure.retryable && !m_contentEmitted && m_attempts <= m_settings.maxRetries) {
        qint64 delay = 0;
        if (failure.retryAfterMs >= 0) {
            delay = failure.retryAfterMs;
        } else {
            const qint64 base = std::min<qint64>(maxBackoffMs, qint64(m_settings.retryBaseDelayMs)
                                                                   << std::min(m_attempts - 1, 16));
            delay = base / 2 + QRandomGenerator::global()->bounded(base / 2 + 1);
        }
        if (delay <= maxRetryAfterMs) {
            if (failure.retryAfterMs >= 0 && m_client)
                m_client->breaker()->pauseFor(failure.retryAfterMs);
            qCInfo(lcLlm).noquote() << "attempt" << m_attempts << "failed:" << failure.error.message
                                    << "- retrying in" << delay << "ms";
            m_toolCalls->clear();
            m_result.ttftMs = -1;
            m_retryTimer->start(int(delay));
            return;
        }
        LlmError error = failure.error;
        error.message += QStringLiteral(" (the server asked to wait %1)").arg(seconds(delay));
        fail(error);
        return;
    }
    LlmError error = failure.error;
    if (m_attempts > 1)
        error.message += QStringLiteral(" (after %1 attempts)").arg(m_attempts);
    fail(error);
}

void LlmStream::succeed() {
    m_done = true;
    m_timer->stop();
    m_retryTimer->stop();
    releaseSlot();
    if (m_reply) {
        // Let a reply that is still open after [DONE] finish on its own, so the connection can
        // be reused; abort it if the server keeps it open anyway.
        QNetworkReply *reply = m_reply;
        m_reply = nullptr;
        disconnect(reply, nullptr, this, nullptr);
        if (reply->isFinished()) {
            reply->deleteLater();
        } else {
            connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
            QTimer::singleShot(5000, reply, &QNetworkReply::abort);
        }
    }
    LlmResult result = snapshot();
    if (!result.toolCalls.isEmpty())
        result.finishReason = QStringLiteral("tool_calls");
    else if (result.finishReason.isEmpty())
        result.finishReason = QStringLiteral("stop");
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
    releaseSlot();
    const LlmResult partial = snapshot();
    if (error.kind == Kind::Cancelled)
        qCInfo(lcLlm).noquote() << "request cancelled after" << partial.durationMs << "ms";
    else
        qCWarning(lcLlm).noquote() << "request failed:" << error.kindName() << "-" << error.message;
    Q_EMIT failed(error, partial);
}

void LlmStream::dropReply() {
    m_timer->stop();
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    disconnect(reply, nullptr, this, nullptr);
    if (!reply->isFinished())
        reply->abort();
    reply->deleteLater();
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

QString LlmStream::host() const {
    return m_url.port() > 0 ? m_url.host() + QLatin1Char(':') + QString::number(m_url.port())
                            : m_url.host();
}

LlmResult LlmStream::snapshot() const {
    LlmResult result = m_result;
    result.toolCalls = m_toolCalls->calls();
    result.durationMs = m_clock.elapsed();
    return result;
}
