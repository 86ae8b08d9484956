// Over 400 lines: every LLM failure's wording and kind lives here, the one place to change them.
#include "llm/LlmFailures.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QNetworkRequest>
#include <QTimeZone>
#include <algorithm>

using namespace Qt::StringLiterals;

using Kind = LlmError::Kind;

namespace LlmFailures {

namespace {

QString truncated(const QString &text, qsizetype max = 300) {
    const QString simple = text.simplified();
    return simple.size() <= max ? simple : simple.left(max) + u"…"_s;
}

// The human part of an error body: OpenAI {"error":{"message",…}}, {"error":"…"}, {"detail":…},
// {"message":…}, or the text itself.
struct ServerError {
    QString message;
    QString code; // error.code or error.type
};

ServerError parseServerError(const QJsonObject &object) {
    const QJsonValue error = object.value("error"_L1);
    if (error.isObject()) {
        const QJsonObject e = error.toObject();
        QString code = e.value("code"_L1).toString();
        if (code.isEmpty())
            code = e.value("type"_L1).toString();
        return {truncated(e.value("message"_L1).toString()), code};
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
    return server.message.isEmpty() ? what : what + ": "_L1 + server.message;
}

LlmFailure failure(Kind kind, const QString &message, int status, bool retryable,
                   bool userMayRetry) {
    LlmFailure result;
    result.error = {kind, message, status, userMayRetry};
    result.retryable = retryable;
    return result;
}

LlmFailure forOperator(LlmFailure result) {
    result.error.forOperator = true;
    return result;
}

} // namespace

QString seconds(qint64 ms) {
    return QString::number(double(ms) / 1000.0, 'f', ms % 1000 == 0 ? 0 : 1) + " s"_L1;
}

qint64 retryAfterMs(const QByteArray &retryAfterMsHeader, const QByteArray &retryAfterHeader,
                    const QDateTime &now) {
    bool ok = false;
    const double ms = retryAfterMsHeader.trimmed().toDouble(&ok);
    if (ok && ms >= 0)
        return qint64(ms);
    const QByteArray value = retryAfterHeader.trimmed();
    if (value.isEmpty())
        return -1;
    const double secs = value.toDouble(&ok);
    if (ok && secs >= 0)
        return qint64(secs * 1000);
    // HTTP-date (RFC 9110), e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
    QDateTime when =
        QLocale::c().toDateTime(QString::fromLatin1(value), u"ddd, dd MMM yyyy hh:mm:ss 'GMT'"_s);
    when.setTimeZone(QTimeZone::utc());
    if (when.isValid())
        return std::max<qint64>(0, now.msecsTo(when));
    return -1;
}

LlmError notConfigured() {
    LlmError error{Kind::Unavailable,
                   u"no LLM is configured: set OPENAI_API_KEY to use OpenAI, or "
                   "--llm-base-url (OPENAI_BASE_URL) to use an OpenAI-compatible server "
                   "such as Ollama (http://127.0.0.1:11434/v1), or install the bundled "
                   "local model"_s,
                   0, false};
    error.forOperator = true;
    return error;
}

LlmError notHttpUrl(const QString &baseUrl) {
    LlmError error{Kind::Unavailable,
                   u"the LLM base URL \"%1\" is not an http(s) URL: fix --llm-base-url "
                   "(OPENAI_BASE_URL), e.g. https://api.openai.com/v1"_s.arg(baseUrl),
                   0, false};
    error.forOperator = true;
    return error;
}

LlmFailure forFailedReply(const QNetworkReply &reply, const QByteArray &body,
                          const Target &target) {
    const int status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return forNetworkError(reply.error(), reply.errorString(), target);
    return forStatus(
        status, body,
        retryAfterMs(reply.rawHeader("retry-after-ms"), reply.rawHeader("Retry-After")), target);
}

std::optional<LlmError> forBaseUrl(const QUrl &baseUrl, const QUrl &completionsUrl) {
    if (baseUrl.isEmpty())
        return notConfigured();
    const QString scheme = completionsUrl.scheme();
    if (!completionsUrl.isValid() || (scheme != "http"_L1 && scheme != "https"_L1))
        return notHttpUrl(baseUrl.toDisplayString(QUrl::RemoveUserInfo));
    return std::nullopt;
}

LlmError clientShutDown() {
    return {Kind::Unavailable, u"the LLM client was shut down"_s, 0, true};
}

LlmError cancelled() {
    return {Kind::Cancelled, u"the request was cancelled"_s, 0, false};
}

LlmError endpointDown(const QString &reason, qint64 retryInMs, const Target &target) {
    LlmError error{
        Kind::Unavailable,
        u"the LLM server at %1 is not answering: %2; new requests fail "
        "at once until it recovers; try again in %3"_s.arg(target.host, reason, seconds(retryInMs)),
        0, true};
    error.retryAfterMs = retryInMs;
    return error;
}

LlmError allSlotsBusy(int capacity, qint64 waitedMs) {
    // Our own cap, not the endpoint: nothing to retry and nothing for the breaker to count.
    LlmError error{Kind::Unavailable,
                   u"all %1 LLM connections of this server are busy "
                   "(llm/max_connections, RTAI_LLM_MAX_CONNECTIONS) and the request "
                   "waited %2 for one; try again, or raise the limit"_s.arg(capacity)
                       .arg(seconds(waitedMs)),
                   0, true};
    error.forOperator = true;
    return error;
}

LlmFailure forTimeout(Stage stage, qint64 timeoutMs, int status, const Target &target) {
    switch (stage) {
    case Stage::Connecting:
        return failure(
            Kind::Timeout,
            u"could not connect to the LLM server at %1 within %2: "
            "check that it is running and reachable"_s.arg(target.host, seconds(timeoutMs)),
            status, true, true);
    case Stage::FirstDelta:
        return failure(Kind::Timeout,
                       u"the LLM server at %1 did not start answering within %2; "
                       "it may be overloaded (try again) or the model may be too "
                       "slow for this machine"_s.arg(target.host, seconds(timeoutMs)),
                       status, false, true);
    case Stage::Streaming:
        break;
    }
    return failure(Kind::Timeout,
                   u"the LLM server at %1 stopped sending the reply for %2; try "
                   "again"_s.arg(target.host, seconds(timeoutMs)),
                   status, false, true);
}

LlmFailure forStatus(int status, const QByteArray &body, qint64 retryAfterMs,
                     const Target &target) {
    const ServerError server = parseServerError(body);
    const QString code = server.code.toLower();
    const QString httpText = u"HTTP %1"_s.arg(status);
    LlmFailure result;
    result.retryAfterMs = retryAfterMs;
    LlmError &error = result.error;
    error.httpStatus = status;
    if (status == 401) {
        error.kind = Kind::Auth;
        error.forOperator = true;
        error.message =
            !target.hasApiKey
                ? withServerMessage(
                      u"the LLM server at %1 requires an API key (%2)"_s.arg(target.host, httpText),
                      server) +
                      u"; set OPENAI_API_KEY (or llm/api_key in the config file)"_s
                : withServerMessage(
                      u"the API key was rejected by %1 (%2)"_s.arg(target.host, httpText), server) +
                      u"; set OPENAI_API_KEY (or llm/api_key in the config "
                      "file) to a valid key"_s;
    } else if (status == 403) {
        error.kind = Kind::Auth;
        error.forOperator = true;
        error.message =
            withServerMessage(
                u"the LLM server at %1 refused access (%2)"_s.arg(target.host, httpText), server) +
            u"; check that the API key may use the model \"%1\""_s.arg(target.model);
    } else if (status == 429) {
        error.kind = Kind::RateLimited;
        if (code == "insufficient_quota"_L1) {
            error.message = withServerMessage(
                                u"the LLM account has no quota left (%1)"_s.arg(httpText), server) +
                            u"; check the plan and billing of the API key"_s;
            error.forOperator = true;
        } else {
            result.retryable = true;
            error.retryable = true;
            error.message = withServerMessage(u"the LLM server at %1 is rate limiting "
                                              "requests (%2)"_s.arg(target.host, httpText),
                                              server) +
                            u"; wait a moment and try again"_s;
        }
    } else if (status == 408) {
        error.kind = Kind::Timeout;
        result.retryable = true;
        error.retryable = true;
        error.message = u"the LLM server at %1 timed out reading the request "
                        "(HTTP 408); try again"_s.arg(target.host);
    } else if (status >= 500) {
        error.kind = Kind::Unavailable;
        result.retryable = true;
        error.retryable = true;
        error.message =
            withServerMessage(u"the LLM server at %1 failed (%2)"_s.arg(target.host, httpText),
                              server) +
            u"; try again later"_s;
    } else if (status == 404) {
        error.kind = Kind::BadRequest;
        error.message = withServerMessage(u"the LLM server answered 404 Not Found "
                                          "for %1"_s.arg(target.url),
                                          server) +
                        u"; check --llm-base-url (most servers want it to end with "
                        "/v1) and that the model \"%1\" exists there"_s.arg(target.model);
        error.forOperator = true;
    } else if (code == "context_length_exceeded"_L1) {
        error.kind = Kind::BadRequest;
        error.message = withServerMessage(u"the conversation is too long for the model"_s, server) +
                        u"; start a new session"_s;
    } else if (status / 100 == 4) {
        error.kind = Kind::BadRequest;
        error.message = withServerMessage(u"the LLM server at %1 rejected the "
                                          "request (%2)"_s.arg(target.host, httpText),
                                          server) +
                        u"; check the model name \"%1\" and the server's "
                        "documentation"_s.arg(target.model);
        error.forOperator = true;
    } else {
        error.kind = Kind::Protocol;
        error.message = u"the LLM server at %1 answered with the unexpected status "
                        "%2; check --llm-base-url"_s.arg(target.host, httpText);
        error.forOperator = true;
    }
    return result;
}

namespace {

LlmFailure networkFailure(QNetworkReply::NetworkError error, const QString &errorText,
                          const Target &target) {
    switch (error) {
    case QNetworkReply::SslHandshakeFailedError:
        if (errorText.contains(u"certificate"_s, Qt::CaseInsensitive))
            return failure(Kind::Unavailable,
                           u"the TLS handshake with %1 failed (%2): trust the server's "
                           "certificate or its CA with llm/ca_file (RTAI_LLM_CA_FILE)"_s.arg(
                               target.host, errorText),
                           0, false, true);
        return failure(Kind::Unavailable,
                       u"the TLS handshake with %1 failed (%2): check the scheme of "
                       "--llm-base-url (http or https)"_s.arg(target.host, errorText),
                       0, false, true);
    case QNetworkReply::HostNotFoundError:
        return failure(Kind::Unavailable,
                       u"the LLM server host %1 was not found: check "
                       "--llm-base-url (OPENAI_BASE_URL) and the network"_s.arg(target.hostName),
                       0, true, true);
    default:
        return failure(Kind::Unavailable,
                       u"could not reach the LLM server at %1 (%2): check that it "
                       "is running and that --llm-base-url (OPENAI_BASE_URL) is "
                       "right"_s.arg(target.host, errorText),
                       0, true, true);
    }
}

} // namespace

LlmFailure forNetworkError(QNetworkReply::NetworkError error, const QString &errorText,
                           const Target &target) {
    LlmFailure result = forOperator(networkFailure(error, errorText, target));
    result.error.networkError = int(error);
    return result;
}

LlmFailure forIncompleteStream(int status, bool connectionLost, const QString &errorText,
                               const Target &target) {
    if (connectionLost)
        return failure(Kind::Unavailable,
                       u"the connection to the LLM server at %1 was lost in the "
                       "middle of the reply (%2); try again"_s.arg(target.host, errorText),
                       status, true, true);
    return failure(Kind::Protocol,
                   u"the LLM server at %1 ended the reply before it was complete "
                   "(no [DONE], no finish_reason); try again"_s.arg(target.host),
                   status, true, true);
}

LlmFailure forErrorEvent(const QJsonObject &chunk, const Target &target) {
    const ServerError server = parseServerError(chunk);
    const QString code = server.code.toLower();
    const QString message = withServerMessage(
        u"the LLM server at %1 reported an error in the middle of the reply"_s.arg(target.host),
        server);
    if (code.contains("rate_limit"_L1))
        return failure(Kind::RateLimited, message, 200, true, true);
    if (code.contains("server_error"_L1) || code.contains("overloaded"_L1) ||
        code.contains("unavailable"_L1))
        return failure(Kind::Unavailable, message, 200, true, true);
    if (code.contains("context_length"_L1) || code.contains("invalid_request"_L1))
        return failure(Kind::BadRequest, message, 200, false, false);
    return failure(Kind::Protocol, message, 200, false, true);
}

LlmFailure forMalformedEvent(const QString &parseError, const QString &data, const Target &target) {
    return forOperator(failure(Kind::Protocol,
                               u"the LLM server at %1 sent a malformed event (%2): \"%3\"; "
                               "check that it is an OpenAI-compatible server"_s.arg(
                                   target.host, parseError, truncated(data, 120)),
                               200, false, true));
}

LlmFailure forWebPage(int status, const Target &target) {
    return forOperator(failure(Kind::Protocol,
                               u"%1 answered with a web page, not a chat completion: check "
                               "--llm-base-url (OPENAI_BASE_URL); it should be the API base, "
                               "e.g. http://127.0.0.1:11434/v1"_s.arg(target.url),
                               status, false, false));
}

LlmFailure forNotAChatCompletion(const QByteArray &body, const Target &target) {
    return forOperator(failure(Kind::Protocol,
                               withServerMessage(u"the LLM server at %1 answered with JSON that "
                                                 "is not a chat completion"_s.arg(target.host),
                                                 parseServerError(body)),
                               200, false, true));
}

LlmFailure forOverlongLine(int status, const Target &target) {
    return forOperator(failure(Kind::Protocol,
                               u"the LLM server at %1 sent an event stream line longer than "
                               "8 MB; check that the base URL points at an OpenAI-compatible "
                               "API"_s.arg(target.host),
                               status, false, false));
}

std::optional<Adaptation> adaptRequest(const QByteArray &requestBody, const QByteArray &errorBody) {
    const QString serverMessage = parseServerError(errorBody).message;
    QJsonObject body = QJsonDocument::fromJson(requestBody).object();
    const auto mentions = [&serverMessage](const char *text) {
        return serverMessage.contains(QLatin1String(text), Qt::CaseInsensitive);
    };
    QString change;
    if (mentions("stream_options") && body.contains("stream_options"_L1)) {
        body.remove("stream_options"_L1);
        change = u"without stream_options (no token usage will be reported)"_s;
    } else if (mentions("max_completion_tokens") && body.contains("max_tokens"_L1)) {
        body.insert(u"max_completion_tokens"_s, body.take("max_tokens"_L1));
        change = u"with max_completion_tokens instead of max_tokens"_s;
    } else if (mentions("temperature") && body.contains("temperature"_L1)) {
        body.remove("temperature"_L1);
        change = u"without temperature"_s;
    } else {
        return std::nullopt;
    }
    return Adaptation{QJsonDocument(body).toJson(QJsonDocument::Compact), change};
}

QString unavailableForUsers() {
    return u"The assistant is not available right now. Please try again later."_s;
}

QString setupProblemForUsers() {
    return u"The assistant cannot answer because of a problem with its setup. The details are in "
           "the server's log."_s;
}

LlmError forEndUser(const LlmError &error) {
    LlmError shown = error;
    if (error.protocolCode() == "llm_unavailable"_L1)
        shown.message = unavailableForUsers();
    else if (error.forOperator)
        shown.message = setupProblemForUsers();
    return shown;
}

QString endpointUnreachable(const QString &baseUrl, QNetworkReply::NetworkError error,
                            const QString &errorText, qint64 timeoutMs) {
    QString why;
    switch (error) {
    case QNetworkReply::ConnectionRefusedError:
        why = u"connection refused"_s;
        break;
    case QNetworkReply::HostNotFoundError:
        why = u"host not found"_s;
        break;
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:
        why = u"no answer within %1"_s.arg(seconds(timeoutMs));
        break;
    case QNetworkReply::SslHandshakeFailedError:
        why = u"TLS handshake failed: %1"_s.arg(errorText);
        break;
    default:
        why = errorText;
        break;
    }
    return u"the LLM server at %1 is not reachable (%2)"_s.arg(baseUrl, why);
}

QString endpointRefusedKey(const QString &baseUrl, int status, bool hasApiKey) {
    return hasApiKey ? u"the API key was refused by the LLM server at %1 (HTTP %2); set "
                       "OPENAI_API_KEY (or llm/api_key) to a valid key"_s.arg(baseUrl)
                           .arg(status)
                     : u"the LLM server at %1 requires an API key (HTTP %2); set "
                       "OPENAI_API_KEY (or llm/api_key)"_s.arg(baseUrl)
                           .arg(status);
}

QString endpointFailing(const QString &baseUrl, int status) {
    return u"the LLM server at %1 answers with errors (HTTP %2)"_s.arg(baseUrl).arg(status);
}

QString endpointNotCheckedYet(const QString &baseUrl) {
    return u"checking whether the LLM server at %1 answers"_s.arg(baseUrl);
}

Target Target::of(const QUrl &completionsUrl, const QString &model, bool hasApiKey) {
    const QUrl &url = completionsUrl;
    return {url.port() > 0 ? url.host() + u':' + QString::number(url.port()) : url.host(),
            url.host(), url.toDisplayString(QUrl::RemoveUserInfo), model, hasApiKey};
}

} // namespace LlmFailures
