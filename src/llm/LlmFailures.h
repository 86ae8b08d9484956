#pragma once

#include "llm/LlmFailure.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QNetworkReply>
#include <QString>
#include <QUrl>
#include <optional>

// Every way an LLM request can fail, as errors whose messages say what to fix: what HTTP answers
// and network errors from an OpenAI-compatible server mean, and the client's own refusals and
// timeouts. Pure functions: no I/O (tests/llm/tst_llmfailures).
namespace LlmFailures {

// The request the messages are about.
struct Target {
    QString host;     // host[:port], as shown in messages
    QString hostName; // the host alone
    QString url;      // the completions URL without user info
    QString model;
    bool hasApiKey = false;

    static Target of(const QUrl &completionsUrl, const QString &model, bool hasApiKey);
};

// Retry-After (seconds or an HTTP date) or OpenAI's retry-after-ms, in ms; -1 when absent.
qint64 retryAfterMs(const QByteArray &retryAfterMsHeader, const QByteArray &retryAfterHeader,
                    const QDateTime &now = QDateTime::currentDateTimeUtc());

// Before any request is sent.
LlmError notConfigured();
LlmError notHttpUrl(const QString &baseUrl);
// notConfigured() or notHttpUrl() when requests cannot be sent to baseUrl at all.
std::optional<LlmError> forBaseUrl(const QUrl &baseUrl, const QUrl &completionsUrl);
LlmError clientShutDown();
LlmError cancelled();
// The circuit breaker is open: `reason` says why, a retry may succeed in `retryInMs`.
LlmError endpointDown(const QString &reason, qint64 retryInMs, const Target &target);
// Every slot of the connection cap stayed busy for `waitedMs`.
LlmError allSlotsBusy(int capacity, qint64 waitedMs);

// Nothing came in time: at connecting, before the first delta, or between deltas.
enum class Stage { Connecting, FirstDelta, Streaming };
LlmFailure forTimeout(Stage stage, qint64 timeoutMs, int status, const Target &target);

// A reply that finished with a non-2xx status (0: no HTTP answer at all), with its error body.
LlmFailure forFailedReply(const QNetworkReply &reply, const QByteArray &body, const Target &target);
// A non-2xx HTTP answer with its (error) body.
LlmFailure forStatus(int status, const QByteArray &body, qint64 retryAfterMs, const Target &target);
// No HTTP answer at all (status 0).
LlmFailure forNetworkError(QNetworkReply::NetworkError error, const QString &errorText,
                           const Target &target);
// A 2xx stream that ended without [DONE] or a finish_reason.
LlmFailure forIncompleteStream(int status, bool connectionLost, const QString &errorText,
                               const Target &target);
// An {"error": …} chunk, or an "event: error", inside a stream.
LlmFailure forErrorEvent(const QJsonObject &chunk, const Target &target);
// A data line that is not JSON.
LlmFailure forMalformedEvent(const QString &parseError, const QString &data, const Target &target);
// A 2xx answer that is neither an event stream nor a chat completion.
LlmFailure forWebPage(int status, const Target &target);
LlmFailure forNotAChatCompletion(const QByteArray &body, const Target &target);
LlmFailure forOverlongLine(int status, const Target &target);

// A 400 naming an optional field the server does not support: the request body without it (or
// with its newer name) and what changed; nullopt when the answer names no such field.
struct Adaptation {
    QByteArray body;
    QString change;
};
std::optional<Adaptation> adaptRequest(const QByteArray &requestBody, const QByteArray &errorBody);

// What the person chatting is told when the assistant cannot answer (llm_unavailable): the
// cause is the operator's business, and its details go to the log and the console.
QString unavailableForUsers();
// What the person chatting is told when the server's setup (base URL, model, key, quota) keeps
// the assistant from answering (an llm_error or llm_rate_limited that is LlmError::forOperator).
QString setupProblemForUsers();
// The error as an end user gets it: an llm_unavailable one with unavailableForUsers(), one about
// the setup with setupProblemForUsers(), others unchanged (kind, retryability and Retry-After
// are kept). The operator's message is logged by the stream that failed.
LlmError forEndUser(const LlmError &error);

// What a readiness check of the endpoint (GET {base}/models) found, for the operator; `baseUrl`
// without user info.
QString endpointUnreachable(const QString &baseUrl, QNetworkReply::NetworkError error,
                            const QString &errorText, qint64 timeoutMs);
QString endpointRefusedKey(const QString &baseUrl, int status, bool hasApiKey);
QString endpointFailing(const QString &baseUrl, int status);
QString endpointNotCheckedYet(const QString &baseUrl);

// "12 s", "0.5 s".
QString seconds(qint64 ms);

} // namespace LlmFailures
