// LlmFailures: what each way of failing means for the retry logic and for the person reading
// the message.

#include "llm/LlmFailures.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QTest>
#include <QTimeZone>

using namespace Qt::StringLiterals;
using Kind = LlmError::Kind;

namespace {

LlmFailures::Target target(bool hasApiKey = true) {
    return {u"llm.example:8443"_s, u"llm.example"_s,
            u"https://llm.example:8443/v1/chat/completions"_s, u"some-model"_s, hasApiKey};
}

QByteArray openAiError(const char *message, const char *code) {
    return QJsonDocument(
               QJsonObject{{u"error"_s, QJsonObject{{u"message"_s, QLatin1String(message)},
                                                    {u"code"_s, QLatin1String(code)}}}})
        .toJson();
}

} // namespace

class TstLlmFailures : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void retryAfter() {
        QCOMPARE(LlmFailures::retryAfterMs({}, {}), -1);
        QCOMPARE(LlmFailures::retryAfterMs({}, "2"), 2000);
        QCOMPARE(LlmFailures::retryAfterMs({}, " 0.5 "), 500);
        QCOMPARE(LlmFailures::retryAfterMs("20", "3600"), 20); // OpenAI's ms header wins
        const QDateTime now = QDateTime(QDate(2026, 12, 1), QTime(8, 0), QTimeZone::utc());
        QCOMPARE(LlmFailures::retryAfterMs({}, "Tue, 01 Dec 2026 08:00:30 GMT", now), 30000);
        QCOMPARE(LlmFailures::retryAfterMs({}, "Tue, 01 Dec 2026 07:00:00 GMT", now), 0);
        QCOMPARE(LlmFailures::retryAfterMs({}, "soon", now), -1);
    }

    void statusMeanings_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("kind");
        QTest::addColumn<bool>("retried");
        QTest::addColumn<bool>("userMayRetry");
        QTest::addColumn<QString>("says");
        QTest::newRow("401") << 401 << openAiError("Incorrect API key", "invalid_api_key")
                             << int(Kind::Auth) << false << false
                             << u"the API key was rejected by llm.example:8443 (HTTP 401): "
                                "Incorrect API key"_s;
        QTest::newRow("403") << 403 << QByteArray() << int(Kind::Auth) << false << false
                             << u"may use the model \"some-model\""_s;
        QTest::newRow("404") << 404 << QByteArray("no route") << int(Kind::BadRequest) << false
                             << false << u"most servers want it to end with /v1"_s;
        QTest::newRow("408") << 408 << QByteArray() << int(Kind::Timeout) << true << true
                             << u"timed out reading the request"_s;
        QTest::newRow("429") << 429 << openAiError("Slow down", "rate_limit_exceeded")
                             << int(Kind::RateLimited) << true << true << u"Slow down"_s;
        QTest::newRow("429 quota")
            << 429 << openAiError("Out of credit", "insufficient_quota") << int(Kind::RateLimited)
            << false << false << u"no quota left"_s;
        QTest::newRow("400 context")
            << 400 << openAiError("too long", "context_length_exceeded") << int(Kind::BadRequest)
            << false << false << u"start a new session"_s;
        QTest::newRow("422") << 422 << QByteArray(R"({"detail":[{"msg":"field required"}]})")
                             << int(Kind::BadRequest) << false << false << u"field required"_s;
        QTest::newRow("503") << 503 << QByteArray("<html>down</html>") << int(Kind::Unavailable)
                             << true << true << u"failed (HTTP 503)"_s;
        QTest::newRow("302") << 302 << QByteArray() << int(Kind::Protocol) << false << false
                             << u"unexpected status HTTP 302"_s;
    }
    void statusMeanings() {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(int, kind);
        QFETCH(bool, retried);
        QFETCH(bool, userMayRetry);
        QFETCH(QString, says);
        const LlmFailure failure = LlmFailures::forStatus(status, body, 1500, target());
        QCOMPARE(int(failure.error.kind), kind);
        QCOMPARE(failure.retryable, retried);
        QCOMPARE(failure.error.retryable, userMayRetry);
        QCOMPARE(failure.error.httpStatus, status);
        QCOMPARE(failure.retryAfterMs, 1500);
        QVERIFY2(failure.error.message.contains(says), qPrintable(failure.error.message));
    }

    void missingKeySaysHowToSetOne() {
        const LlmFailure failure = LlmFailures::forStatus(401, {}, -1, target(false));
        QVERIFY2(failure.error.message.contains(u"requires an API key"_s) &&
                     failure.error.message.contains(u"OPENAI_API_KEY"_s),
                 qPrintable(failure.error.message));
    }

    void networkErrors() {
        const LlmFailure refused = LlmFailures::forNetworkError(
            QNetworkReply::ConnectionRefusedError, u"Connection refused"_s, target());
        QCOMPARE(refused.error.kind, Kind::Unavailable);
        QVERIFY(refused.retryable);
        QVERIFY(refused.error.message.startsWith(u"could not reach the LLM server at "
                                                 "llm.example:8443 (Connection refused)"_s));
        const LlmFailure unknownHost = LlmFailures::forNetworkError(
            QNetworkReply::HostNotFoundError, u"Host not found"_s, target());
        QVERIFY2(unknownHost.error.message.contains(u"host llm.example was not found"_s),
                 qPrintable(unknownHost.error.message));
        const LlmFailure tls = LlmFailures::forNetworkError(QNetworkReply::SslHandshakeFailedError,
                                                            u"bad record"_s, target());
        QVERIFY(!tls.retryable); // the same handshake fails again
        QVERIFY(tls.error.message.contains(u"scheme of --llm-base-url"_s));
        const LlmFailure untrusted = LlmFailures::forNetworkError(
            QNetworkReply::SslHandshakeFailedError,
            u"SSL handshake failed: The certificate is self-signed, and untrusted"_s, target());
        QVERIFY(!untrusted.retryable);
        QVERIFY2(untrusted.error.message.contains(u"llm/ca_file (RTAI_LLM_CA_FILE)"_s),
                 qPrintable(untrusted.error.message));
    }

    void errorEvents() {
        const auto event = [](const char *code) {
            return LlmFailures::forErrorEvent(
                QJsonDocument::fromJson(openAiError("oops", code)).object(), target());
        };
        QCOMPARE(event("rate_limit_exceeded").error.kind, Kind::RateLimited);
        QVERIFY(event("rate_limit_exceeded").retryable);
        QCOMPARE(event("server_error").error.kind, Kind::Unavailable);
        QCOMPARE(event("context_length_exceeded").error.kind, Kind::BadRequest);
        QVERIFY(!event("context_length_exceeded").error.retryable);
        QCOMPARE(event("something_else").error.kind, Kind::Protocol);
        QVERIFY(
            event("server_error").error.message.contains(u"in the middle of the reply: oops"_s));
    }

    void timeoutsSayWhichWait() {
        using LlmFailures::Stage;
        const LlmFailure connect = LlmFailures::forTimeout(Stage::Connecting, 10000, 0, target());
        QVERIFY(connect.retryable);
        QVERIFY(connect.error.message.contains(u"within 10 s"_s));
        const LlmFailure first = LlmFailures::forTimeout(Stage::FirstDelta, 60000, 200, target());
        QVERIFY(!first.retryable);
        QCOMPARE(first.error.httpStatus, 200);
        QVERIFY(first.error.message.contains(u"did not start answering within 60 s"_s));
        const LlmFailure idle = LlmFailures::forTimeout(Stage::Streaming, 1500, 200, target());
        QVERIFY(idle.error.message.contains(u"stopped sending the reply for 1.5 s"_s));
    }

    void ourOwnLimitsNameThemselves() {
        const LlmError busy = LlmFailures::allSlotsBusy(4, 120000);
        QVERIFY(busy.message.contains(u"all 4 LLM connections"_s));
        QVERIFY(busy.message.contains(u"RTAI_LLM_MAX_CONNECTIONS"_s));
        const LlmError down =
            LlmFailures::endpointDown(u"5 requests in a row failed"_s, 2500, target());
        QCOMPARE(down.retryAfterMs, 2500);
        QVERIFY(down.retryable);
        QVERIFY(down.message.contains(u"try again in 2.5 s"_s));
    }

    // End users get one plain sentence for every llm_unavailable cause; the operator's detail
    // (env names, flags, URLs) stays in LlmError::message for the log.
    void endUsersGetAMessageMeantForThem() {
        const LlmError notConfigured = LlmFailures::notConfigured();
        QVERIFY(!notConfigured.retryable); // nothing the user can do makes a retry work
        const QList<LlmError> unavailable{
            notConfigured,
            LlmFailures::forNetworkError(QNetworkReply::ConnectionRefusedError,
                                         u"Connection refused"_s, target())
                .error,
            LlmFailures::forStatus(401, openAiError("Incorrect API key", "invalid_api_key"), -1,
                                   target())
                .error,
            LlmFailures::forTimeout(LlmFailures::Stage::Connecting, 10000, 0, target()).error,
            LlmFailures::endpointDown(u"5 requests in a row failed"_s, 2500, target()),
            LlmFailures::allSlotsBusy(4, 120000),
        };
        for (const LlmError &error : unavailable) {
            QCOMPARE(error.protocolCode(), u"llm_unavailable"_s);
            const LlmError shown = LlmFailures::forEndUser(error);
            QCOMPARE(shown.message,
                     u"The assistant is not available right now. Please try again later."_s);
            QCOMPARE(shown.message, LlmFailures::unavailableForUsers());
            QCOMPARE(shown.retryable, error.retryable);
            QCOMPARE(shown.retryAfterMs, error.retryAfterMs);
            QCOMPARE(shown.kind, error.kind);
            QVERIFY(error.message != shown.message); // the detail is still there for the log
        }
        QVERIFY(notConfigured.message.contains(u"OPENAI_API_KEY"_s));
        QVERIFY(
            LlmFailures::forEndUser(LlmFailures::endpointDown(u"x"_s, 2500, target())).retryable);

        // Other codes say something the user can act on, and stay as they are.
        const LlmError rateLimited =
            LlmFailures::forStatus(429, openAiError("slow down", "rate_limit_exceeded"), 1000,
                                   target())
                .error;
        QCOMPARE(LlmFailures::forEndUser(rateLimited).message, rateLimited.message);
        const LlmError tooLong =
            LlmFailures::forStatus(400, openAiError("too long", "context_length_exceeded"), -1,
                                   target())
                .error;
        QCOMPARE(LlmFailures::forEndUser(tooLong).message, tooLong.message);
    }

    // No end-user text names a flag, a variable or a config key: those are for the operator,
    // whose message (kept in LlmError::message, logged by the stream) still names them.
    void endUsersAreNeverToldAboutFlagsOrVariables() {
        const auto t = target(false);
        const QList<LlmError> all{
            LlmFailures::notConfigured(),
            LlmFailures::notHttpUrl(u"ftp://x"_s),
            LlmFailures::allSlotsBusy(4, 1000),
            LlmFailures::forStatus(401, {}, -1, t).error,
            LlmFailures::forStatus(401, {}, -1, target(true)).error,
            LlmFailures::forStatus(403, {}, -1, t).error,
            LlmFailures::forStatus(404, "no route", -1, t).error,
            LlmFailures::forStatus(422, openAiError("bad", "invalid_request_error"), -1, t).error,
            LlmFailures::forStatus(429, openAiError("quota", "insufficient_quota"), -1, t).error,
            LlmFailures::forStatus(302, {}, -1, t).error,
            LlmFailures::forNetworkError(QNetworkReply::ConnectionRefusedError, u"refused"_s, t)
                .error,
            LlmFailures::forNetworkError(QNetworkReply::HostNotFoundError, u"nx"_s, t).error,
            LlmFailures::forNetworkError(QNetworkReply::SslHandshakeFailedError, u"tls"_s, t).error,
            LlmFailures::forWebPage(200, t).error,
            LlmFailures::forMalformedEvent(u"bad"_s, u"{"_s, t).error,
            LlmFailures::forNotAChatCompletion("{}", t).error,
            LlmFailures::forOverlongLine(200, t).error,
        };
        const QRegularExpression operatorWords(
            u"--[a-z]|OPENAI_|RTAI_|LLM_MODEL|llm/|base URL|check the model"_s);
        QSet<QString> userTexts;
        for (const LlmError &error : all) {
            const LlmError shown = LlmFailures::forEndUser(error);
            QVERIFY2(!operatorWords.match(shown.message).hasMatch(), qPrintable(shown.message));
            QCOMPARE(shown.kind, error.kind);
            QCOMPARE(shown.retryable, error.retryable);
            QVERIFY2(error.forOperator, qPrintable(error.message));
            userTexts.insert(shown.message);
        }
        QCOMPARE(userTexts, (QSet<QString>{LlmFailures::unavailableForUsers(),
                                           LlmFailures::setupProblemForUsers()}));
        // llm_error about the setup: the setup sentence; the detail stays for the log.
        const LlmError notFound = LlmFailures::forStatus(404, "no route", -1, t).error;
        QCOMPARE(notFound.protocolCode(), u"llm_error"_s);
        QCOMPARE(LlmFailures::forEndUser(notFound).message,
                 u"The assistant cannot answer because of a problem with its setup. The details "
                 "are in the server's log."_s);
        QVERIFY(notFound.message.contains(u"check --llm-base-url"_s));
        QVERIFY(LlmFailures::forWebPage(200, t).error.message.contains(u"OPENAI_BASE_URL"_s));
        // What the person chatting can act on is not about the setup.
        QVERIFY(!LlmFailures::forStatus(400, openAiError("long", "context_length_exceeded"), -1, t)
                     .error.forOperator);
        QVERIFY(!LlmFailures::forStatus(429, openAiError("slow", "rate_limit_exceeded"), -1, t)
                     .error.forOperator);
        QVERIFY(!LlmFailures::forIncompleteStream(200, false, {}, t).error.forOperator);
    }

    void networkErrorsKeepTheirCode() {
        QCOMPARE(LlmFailures::forNetworkError(QNetworkReply::ConnectionRefusedError,
                                              u"Connection refused"_s, target())
                     .error.networkError,
                 int(QNetworkReply::ConnectionRefusedError));
        QCOMPARE(LlmFailures::forStatus(500, {}, -1, target()).error.networkError, 0);
    }

    void endpointChecksSayWhatWasFound() {
        const QString base = u"http://127.0.0.1:9/v1"_s;
        QCOMPARE(
            LlmFailures::endpointUnreachable(base, QNetworkReply::ConnectionRefusedError,
                                             u"Connection refused"_s, 10000),
            u"the LLM server at http://127.0.0.1:9/v1 is not reachable (connection refused)"_s);
        QVERIFY(LlmFailures::endpointUnreachable(base, QNetworkReply::HostNotFoundError, {}, 10000)
                    .endsWith(u"(host not found)"_s));
        QVERIFY(
            LlmFailures::endpointUnreachable(base, QNetworkReply::OperationCanceledError, {}, 10000)
                .endsWith(u"(no answer within 10 s)"_s));
        QVERIFY(LlmFailures::endpointUnreachable(base, QNetworkReply::UnknownNetworkError,
                                                 u"Network unreachable"_s, 10000)
                    .endsWith(u"(Network unreachable)"_s));
        const QString refused = LlmFailures::endpointRefusedKey(base, 401, true);
        QVERIFY(refused.startsWith(u"the API key was refused by the LLM server at "
                                   "http://127.0.0.1:9/v1 (HTTP 401)"_s));
        QVERIFY(refused.contains(u"OPENAI_API_KEY"_s));
        QVERIFY(
            LlmFailures::endpointRefusedKey(base, 401, false).contains(u"requires an API key"_s));
        QCOMPARE(LlmFailures::endpointFailing(base, 502),
                 u"the LLM server at http://127.0.0.1:9/v1 answers with errors (HTTP 502)"_s);
    }

    void unsupportedFieldsAreAdapted() {
        const QByteArray request =
            R"({"model":"m","max_tokens":5,"stream_options":{},"temperature":0})";
        const auto withoutOptions = LlmFailures::adaptRequest(
            request, openAiError("Unrecognized request argument: stream_options", ""));
        QVERIFY(withoutOptions);
        QVERIFY(!withoutOptions->body.contains("stream_options"));
        const auto renamed = LlmFailures::adaptRequest(
            request, openAiError("Use 'max_completion_tokens' instead", ""));
        QVERIFY(renamed);
        QVERIFY(renamed->body.contains("\"max_completion_tokens\":5"));
        QVERIFY(!LlmFailures::adaptRequest(request, openAiError("Invalid model", "")));
    }
};

QTEST_GUILESS_MAIN(TstLlmFailures)
#include "tst_llmfailures.moc"
