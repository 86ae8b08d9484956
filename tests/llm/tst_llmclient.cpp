#include "fixtures/MockLlmServer.h"
#include "llm/LlmClient.h"
#include "llm/LlmStream.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QLocale>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTcpServer>
#include <QTest>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

// Everything one stream emitted, in order.
struct Outcome {
    QStringList deltas;
    bool finished = false;
    bool failed = false;
    LlmResult result;
    LlmError error;
    int endSignals = 0;
    bool deltaAfterEnd = false;
};

class Recorder : public QObject {
public:
    explicit Recorder(LlmStream *stream) {
        connect(stream, &LlmStream::contentDelta, this, [this](const QString &text) {
            if (outcome.endSignals > 0)
                outcome.deltaAfterEnd = true;
            outcome.deltas.append(text);
        });
        connect(stream, &LlmStream::finished, this, [this](const LlmResult &result) {
            ++outcome.endSignals;
            outcome.finished = true;
            outcome.result = result;
        });
        connect(stream, &LlmStream::failed, this,
                [this](const LlmError &error, const LlmResult &partial) {
                    ++outcome.endSignals;
                    outcome.failed = true;
                    outcome.error = error;
                    outcome.result = partial;
                });
    }
    bool wait(int timeoutMs = 15000) {
        return QTest::qWaitFor([this] { return outcome.endSignals > 0; }, timeoutMs);
    }
    Outcome outcome;
};

ChatRequest simpleRequest(const QString &text = u"Hello"_s) {
    ChatRequest request;
    request.messages = {ChatMessage::system(u"You are helpful."_s), ChatMessage::user(text)};
    return request;
}

QJsonArray calculatorTool() {
    return QJsonArray{QJsonObject{
        {u"type"_s, u"function"_s},
        {u"function"_s, QJsonObject{{u"name"_s, u"calculator"_s},
                                    {u"description"_s, u"Arithmetic"_s},
                                    {u"parameters"_s, QJsonObject{{u"type"_s, u"object"_s}}}}}}};
}

} // namespace

class TestLlmClient : public QObject {
    Q_OBJECT

    std::unique_ptr<MockLlmServer> m_server;

    LlmSettings settings() const {
        LlmSettings s;
        s.baseUrl = m_server->baseUrl();
        s.model = u"test-model"_s;
        s.retryBaseDelayMs = 5;
        s.connectTimeoutMs = 5000;
        s.firstTokenTimeoutMs = 10000;
        s.idleTimeoutMs = 10000;
        return s;
    }

    // Runs one request to the end.
    Outcome run(const LlmSettings &s, const ChatRequest &request = simpleRequest(),
                int *attempts = nullptr) {
        LlmClient client(s);
        LlmStream *stream = client.stream(request, &client);
        Recorder recorder(stream);
        if (!recorder.wait())
            qWarning("the stream did not end in time");
        QTest::qWait(20); // nothing may follow the end signal
        if (attempts)
            *attempts = stream->attempts();
        return recorder.outcome;
    }

private Q_SLOTS:
    void init() {
        m_server = std::make_unique<MockLlmServer>();
        QVERIFY(m_server->listen());
    }
    void cleanup() { m_server.reset(); }

    void completionsUrl_data() {
        QTest::addColumn<QString>("base");
        QTest::addColumn<QString>("url");
        QTest::newRow("host only")
            << u"http://127.0.0.1:11434"_s << u"http://127.0.0.1:11434/v1/chat/completions"_s;
        QTest::newRow("trailing slash")
            << u"http://127.0.0.1:11434/"_s << u"http://127.0.0.1:11434/v1/chat/completions"_s;
        QTest::newRow("v1") << u"https://api.openai.com/v1"_s
                            << u"https://api.openai.com/v1/chat/completions"_s;
        QTest::newRow("v1 slash") << u"http://localhost:8080/v1/"_s
                                  << u"http://localhost:8080/v1/chat/completions"_s;
        QTest::newRow("other path")
            << u"http://gateway/openai/v1//"_s << u"http://gateway/openai/v1/chat/completions"_s;
        QTest::newRow("full") << u"http://h/v1/chat/completions"_s
                              << u"http://h/v1/chat/completions"_s;
    }
    void completionsUrl() {
        QFETCH(QString, base);
        QFETCH(QString, url);
        QCOMPARE(LlmClient::completionsUrl(QUrl(base)).toString(), url);
    }

    void errorCodes() {
        using Kind = LlmError::Kind;
        const QList<QPair<Kind, QString>> codes = {
            {Kind::Unavailable, u"llm_unavailable"_s}, {Kind::Timeout, u"llm_unavailable"_s},
            {Kind::Auth, u"llm_unavailable"_s},        {Kind::RateLimited, u"llm_rate_limited"_s},
            {Kind::BadRequest, u"llm_error"_s},        {Kind::Protocol, u"llm_error"_s},
            {Kind::Cancelled, u"llm_error"_s}};
        QStringList names;
        for (const auto &[kind, code] : codes) {
            LlmError error;
            error.kind = kind;
            QCOMPARE(error.protocolCode(), code);
            names.append(error.kindName());
        }
        QCOMPARE(names, (QStringList{u"unavailable"_s, u"timeout"_s, u"auth"_s, u"rate_limited"_s,
                                     u"bad_request"_s, u"protocol"_s, u"cancelled"_s}));
    }

    void requestBodyAndHeaders() {
        m_server->enqueue(MockLlmReply::text(u"ok"_s));
        m_server->enqueue(MockLlmReply::text(u"ok"_s));
        ChatRequest request = simpleRequest(u"What is 1+1?"_s);
        // A named tool_choice is sent as "required" with only that tool offered.
        request.tools = calculatorTool();
        request.tools.append(
            QJsonObject{{u"type"_s, u"function"_s},
                        {u"function"_s,
                         QJsonObject{{u"name"_s, u"other"_s},
                                     {u"parameters"_s, QJsonObject{{u"type"_s, u"object"_s}}}}}});
        request.toolChoice = u"calculator"_s;
        request.maxTokens = 64;
        request.temperature = 0.5;
        LlmSettings s = settings();
        s.apiKey = u"sk-test-123"_s;
        QVERIFY(run(s, request).finished);

        const MockLlmRequest sent = m_server->lastRequest();
        QCOMPARE(sent.method, QByteArray("POST"));
        QCOMPARE(sent.path, QByteArray("/v1/chat/completions"));
        QCOMPARE(sent.header("authorization"), QByteArray("Bearer sk-test-123"));
        QCOMPARE(sent.header("content-type"), QByteArray("application/json"));
        QCOMPARE(sent.header("accept"), QByteArray("text/event-stream"));
        const QJsonObject body = sent.json;
        QCOMPARE(body.value("model"_L1).toString(), u"test-model"_s);
        QCOMPARE(body.value("stream"_L1).toBool(), true);
        QCOMPARE(body.value("stream_options"_L1).toObject().value("include_usage"_L1).toBool(),
                 true);
        QCOMPARE(body.value("max_tokens"_L1).toInt(), 64);
        QCOMPARE(body.value("temperature"_L1).toDouble(), 0.5);
        QCOMPARE(body.value("tools"_L1).toArray(), calculatorTool());
        QCOMPARE(body.value("tool_choice"_L1).toString(), u"required"_s);
        const QJsonArray messages = body.value("messages"_L1).toArray();
        QCOMPARE(messages.size(), 2);
        QCOMPARE(messages.at(1).toObject().value("content"_L1).toString(), u"What is 1+1?"_s);

        // No key: no Authorization header; no tools: no tool_choice.
        s.apiKey.clear();
        QVERIFY(run(s, simpleRequest()).finished);
        QVERIFY(!m_server->lastRequest().headers.contains("authorization"));
        QVERIFY(!m_server->lastRequest().json.contains("tool_choice"_L1));
        QVERIFY(!m_server->lastRequest().json.contains("tools"_L1));
        QVERIFY(!m_server->lastRequest().json.contains("max_tokens"_L1));
    }

    void streamsDeltasAndUsage() {
        const QStringList tokens{u"Hel"_s, u"lo"_s, u", "_s, u"Ada"_s, u"!"_s};
        m_server->enqueue(MockLlmReply::tokens(tokens, 20).withUsage(42, 5));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.finished);
        QCOMPARE(outcome.endSignals, 1);
        QVERIFY(!outcome.deltaAfterEnd);
        QCOMPARE(outcome.deltas, tokens);
        QCOMPARE(outcome.result.content, u"Hello, Ada!"_s);
        QCOMPARE(outcome.result.finishReason, u"stop"_s);
        QCOMPARE(outcome.result.usage, (LlmUsage{42, 5}));
        QCOMPARE(outcome.result.model, u"test-model"_s);
        QVERIFY(outcome.result.toolCalls.isEmpty());
        QVERIFY(outcome.result.ttftMs >= 0);
        QVERIFY(outcome.result.durationMs >= outcome.result.ttftMs);
        QVERIFY(outcome.result.durationMs >= 80); // four 20 ms gaps between tokens
    }

    void modelAndFinishReasonFromServer() {
        MockLlmReply reply = MockLlmReply::text(u"cut short"_s);
        reply.withFinishReason(u"length"_s);
        for (MockLlmReply::Piece &piece : reply.pieces) {
            if (piece.tag != MockLlmReply::Piece::Tag::Raw)
                piece.chunk.insert(u"model"_s, u"gpt-4o-mini-2024"_s);
        }
        m_server->enqueue(reply);
        const Outcome outcome = run(settings());
        QVERIFY(outcome.finished);
        QCOMPARE(outcome.result.finishReason, u"length"_s);
        QCOMPARE(outcome.result.model, u"gpt-4o-mini-2024"_s);
    }

    // HTTP chunks of 5 bytes, 1 ms apart: UTF-8 sequences, "data:" and CR LF get split.
    void bodySplitIntoSingleBytes() {
        const QString text = u"Grüße aus 東京 🌸 – done"_s;
        MockLlmReply reply = MockLlmReply::text(text);
        reply.addRaw(": keep-alive\r\n\r\n");
        reply.withChunkSize(5);
        m_server->enqueue(reply);
        const Outcome outcome = run(settings());
        QVERIFY(outcome.finished);
        QCOMPARE(outcome.result.content, text);
        QCOMPARE(outcome.deltas.join(QString()), text);
    }

    void toolCalls() {
        const QList<ToolCall> calls{
            {u"call_a"_s, u"calculate_shipping"_s, uR"({"weight_kg": 5, "destination": "US"})"_s},
            {u"call_b"_s, u"calculator"_s, uR"({"expression": "10 + 2 × 3"})"_s}};
        m_server->enqueue(MockLlmReply::toolCalls(calls, 4, u"Let me check."_s));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.finished);
        QCOMPARE(outcome.result.toolCalls, calls);
        QCOMPARE(outcome.result.finishReason, u"tool_calls"_s);
        QCOMPARE(outcome.result.content, u"Let me check."_s);
        QVERIFY(outcome.result.ttftMs >= 0);
    }

    void toolCallsWithStopFinishReason() {
        // Some servers say "stop" even when they called tools.
        MockLlmReply reply = MockLlmReply::toolCalls({{u"c1"_s, u"calculator"_s, u"{}"_s}});
        reply.withFinishReason(u"stop"_s);
        m_server->enqueue(reply);
        const Outcome outcome = run(settings());
        QVERIFY(outcome.finished);
        QCOMPARE(outcome.result.finishReason, u"tool_calls"_s);
        QCOMPARE(outcome.result.toolCalls.size(), 1);
    }

    void nonStreamingAnswer() {
        const QJsonObject body{
            {u"model"_s, u"plain-json"_s},
            {u"choices"_s, QJsonArray{QJsonObject{
                               {u"index"_s, 0},
                               {u"finish_reason"_s, u"stop"_s},
                               {u"message"_s, QJsonObject{{u"role"_s, u"assistant"_s},
                                                          {u"content"_s, u"Whole answer."_s}}}}}},
            {u"usage"_s, QJsonObject{{u"prompt_tokens"_s, 7}, {u"completion_tokens"_s, 2}}}};
        m_server->enqueue(MockLlmReply::json(200, body));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.finished);
        QCOMPARE(outcome.deltas, QStringList{u"Whole answer."_s});
        QCOMPARE(outcome.result.model, u"plain-json"_s);
        QCOMPARE(outcome.result.usage, (LlmUsage{7, 2}));
    }

    void connectionIsKeptAlive() {
        m_server->enqueue(MockLlmReply::text(u"one"_s));
        m_server->enqueue(MockLlmReply::text(u"two"_s));
        LlmClient client(settings());
        for (const QString &expected : {u"one"_s, u"two"_s}) {
            Recorder recorder(client.stream(simpleRequest(), &client));
            QVERIFY(recorder.wait());
            QCOMPARE(recorder.outcome.result.content, expected);
            // finished comes with [DONE]; the end of the HTTP body frees the connection.
            QTest::qWait(100);
        }
        QCOMPARE(m_server->requestCount(), 2);
        QCOMPARE(m_server->connectionCount(), 1);
    }

    void retriesServerErrors() {
        m_server->enqueue(MockLlmReply::httpError(503, u"overloaded"_s));
        m_server->enqueue(MockLlmReply::httpError(500, u"boom"_s));
        m_server->enqueue(MockLlmReply::text(u"third time lucky"_s));
        int attempts = 0;
        const Outcome outcome = run(settings(), simpleRequest(), &attempts);
        QVERIFY(outcome.finished);
        QCOMPARE(outcome.result.content, u"third time lucky"_s);
        QCOMPARE(attempts, 3);
        QCOMPARE(m_server->requestCount(), 3);
        // Every attempt sent the same body.
        QCOMPARE(m_server->requests().at(0).body, m_server->requests().at(2).body);
    }

    void retriesRateLimitHonouringRetryAfter() {
        m_server->enqueue(
            MockLlmReply::httpError(429, u"slow down"_s, u"rate_limit_exceeded"_s, "1"));
        m_server->enqueue(MockLlmReply::text(u"ok"_s));
        LlmSettings s = settings();
        s.retryBaseDelayMs = 1; // without Retry-After the retry would follow at once
        QElapsedTimer clock;
        clock.start();
        const Outcome outcome = run(s);
        QVERIFY(outcome.finished);
        QCOMPARE(m_server->requestCount(), 2);
        QVERIFY2(clock.elapsed() >= 950, "the retry came before Retry-After: 1 elapsed");
    }

    void retryAfterTooLongFailsAtOnce() {
        m_server->enqueue(
            MockLlmReply::httpError(429, u"slow down"_s, u"rate_limit_exceeded"_s, "3600"));
        m_server->enqueue(MockLlmReply::text(u"not reached"_s));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::RateLimited);
        QCOMPARE(outcome.error.httpStatus, 429);
        QVERIFY(outcome.error.retryable);
        QVERIFY2(outcome.error.message.contains(u"wait"_s), qPrintable(outcome.error.message));
        QCOMPARE(m_server->requestCount(), 1);
    }

    void retryAfterAsHttpDate() {
        const QByteArray inAnHour = QLocale::c()
                                        .toString(QDateTime::currentDateTimeUtc().addSecs(3600),
                                                  u"ddd, dd MMM yyyy hh:mm:ss 'GMT'"_s)
                                        .toLatin1();
        m_server->enqueue(MockLlmReply::httpError(503, u"maintenance"_s, {}, inAnHour));
        m_server->enqueue(MockLlmReply::text(u"not reached"_s));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.failed);
        QVERIFY2(outcome.error.message.contains(u"asked to wait"_s),
                 qPrintable(outcome.error.message));
        QCOMPARE(m_server->requestCount(), 1);
    }

    void retryAfterMsHeaderWins() {
        m_server->enqueue(
            MockLlmReply::httpError(503, u"busy"_s, {}, "3600").withHeader("retry-after-ms", "10"));
        m_server->enqueue(MockLlmReply::text(u"ok"_s));
        const Outcome outcome = run(settings());
        QVERIFY2(outcome.finished, qPrintable(outcome.error.message));
        QCOMPARE(m_server->requestCount(), 2);
    }

    void retriesAreBounded() {
        for (int i = 0; i < 4; ++i)
            m_server->enqueue(MockLlmReply::httpError(502, u"bad gateway"_s));
        LlmSettings s = settings();
        s.maxRetries = 2;
        const Outcome outcome = run(s);
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Unavailable);
        QCOMPARE(outcome.error.httpStatus, 502);
        QCOMPARE(outcome.error.protocolCode(), u"llm_unavailable"_s);
        QVERIFY(outcome.error.message.contains(u"bad gateway"_s));
        QVERIFY(outcome.error.message.contains(u"after 3 attempts"_s));
        QCOMPARE(m_server->requestCount(), 3);
    }

    void retriesADisconnectBeforeContent() {
        m_server->enqueue(MockLlmReply::text(QString()).thenDisconnect());
        m_server->enqueue(MockLlmReply::text(u"second"_s));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.finished);
        QCOMPARE(outcome.result.content, u"second"_s);
        QCOMPARE(m_server->requestCount(), 2);
    }

    void noRetryAfterFirstToken() {
        m_server->enqueue(MockLlmReply::tokens({u"Half"_s, u" an"_s}).thenDisconnect());
        m_server->enqueue(MockLlmReply::text(u"must not be requested"_s));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Unavailable);
        QVERIFY2(outcome.error.message.contains(u"lost in the middle"_s),
                 qPrintable(outcome.error.message));
        QCOMPARE(outcome.result.content, u"Half an"_s);
        QCOMPARE(outcome.deltas, (QStringList{u"Half"_s, u" an"_s}));
        QCOMPARE(m_server->requestCount(), 1);
    }

    void connectionRefused() {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const quint16 port = probe.serverPort();
        probe.close();
        LlmSettings s = settings();
        s.baseUrl = QUrl(u"http://127.0.0.1:%1"_s.arg(port));
        s.maxRetries = 1;
        int attempts = 0;
        const Outcome outcome = run(s, simpleRequest(), &attempts);
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Unavailable);
        QCOMPARE(outcome.error.httpStatus, 0);
        QVERIFY(outcome.error.retryable);
        QVERIFY2(outcome.error.message.contains(u"could not reach"_s),
                 qPrintable(outcome.error.message));
        QCOMPARE(attempts, 2);
    }

    // The TCP connection opens but the TLS handshake never completes.
    void connectTimeout() {
        if (!QSslSocket::supportsSsl())
            QSKIP("no TLS backend");
        m_server->setSilent(true);
        LlmSettings s = settings();
        s.baseUrl = QUrl(u"https://127.0.0.1:%1/v1"_s.arg(m_server->port()));
        s.connectTimeoutMs = 300;
        s.maxRetries = 1;
        int attempts = 0;
        const Outcome outcome = run(s, simpleRequest(), &attempts);
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Timeout);
        QVERIFY2(outcome.error.message.contains(u"could not connect"_s),
                 qPrintable(outcome.error.message));
        QCOMPARE(attempts, 2); // a connection timeout is retried
    }

    void firstTokenTimeout_data() {
        QTest::addColumn<bool>("sendHeaders");
        QTest::newRow("no answer at all") << false;
        QTest::newRow("headers, then nothing") << true;
    }
    void firstTokenTimeout() {
        QFETCH(bool, sendHeaders);
        m_server->enqueue(sendHeaders ? MockLlmReply::stall() : MockLlmReply::noAnswer());
        m_server->enqueue(MockLlmReply::text(u"must not be requested"_s));
        LlmSettings s = settings();
        s.firstTokenTimeoutMs = 300;
        const Outcome outcome = run(s);
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Timeout);
        QVERIFY2(outcome.error.message.contains(u"did not start answering"_s),
                 qPrintable(outcome.error.message));
        QCOMPARE(m_server->requestCount(), 1);
        QCOMPARE(outcome.result.ttftMs, -1);
    }

    void idleTimeout() {
        MockLlmReply reply = MockLlmReply::tokens({u"Some"_s, u" words"_s});
        reply.addRaw(": keep-alive\n\n"); // comments are no proof of progress
        reply.thenStall();
        m_server->enqueue(reply);
        LlmSettings s = settings();
        s.idleTimeoutMs = 300;
        const Outcome outcome = run(s);
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Timeout);
        QVERIFY2(outcome.error.message.contains(u"stopped sending"_s),
                 qPrintable(outcome.error.message));
        QCOMPARE(outcome.result.content, u"Some words"_s);
        QVERIFY(outcome.result.ttftMs >= 0);
        QCOMPARE(m_server->requestCount(), 1);
    }

    void idleTimerIsResetByEachToken() {
        // Ten tokens 150 ms apart take 1.35 s, longer than the 1 s idle timeout.
        QStringList tokens;
        for (int i = 0; i < 10; ++i)
            tokens.append(u"t%1 "_s.arg(i));
        m_server->enqueue(MockLlmReply::tokens(tokens, 150));
        LlmSettings s = settings();
        s.idleTimeoutMs = 1000;
        const Outcome outcome = run(s);
        QVERIFY2(outcome.finished, qPrintable(outcome.error.message));
        QCOMPARE(outcome.deltas, tokens);
        QVERIFY(outcome.result.durationMs > s.idleTimeoutMs);
    }

    void zeroDisablesATimeout() {
        m_server->enqueue(MockLlmReply::tokens({u"slow"_s, u" but"_s, u" fine"_s}, 100));
        LlmSettings s = settings();
        s.connectTimeoutMs = 0;
        s.firstTokenTimeoutMs = 0;
        s.idleTimeoutMs = 0;
        const Outcome outcome = run(s);
        QVERIFY2(outcome.finished, qPrintable(outcome.error.message));
        QCOMPARE(outcome.result.content, u"slow but fine"_s);
    }

    void httpErrors_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("apiKey");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("protocolCode");
        QTest::addColumn<QString>("mentions");
        QTest::addColumn<bool>("retryable");
        using K = LlmError::Kind;
        QTest::newRow("400") << 400 << u""_s << u""_s << int(K::BadRequest) << u"llm_error"_s
                             << u"test-model"_s << false;
        QTest::newRow("400 context")
            << 400 << u"context_length_exceeded"_s << u""_s << int(K::BadRequest) << u"llm_error"_s
            << u"too long"_s << false;
        QTest::newRow("401 rejected") << 401 << u"invalid_api_key"_s << u"sk-bad"_s << int(K::Auth)
                                      << u"llm_unavailable"_s << u"OPENAI_API_KEY"_s << false;
        QTest::newRow("401 missing") << 401 << u""_s << u""_s << int(K::Auth)
                                     << u"llm_unavailable"_s << u"requires an API key"_s << false;
        QTest::newRow("403") << 403 << u""_s << u"sk-x"_s << int(K::Auth) << u"llm_unavailable"_s
                             << u"refused access"_s << false;
        QTest::newRow("404") << 404 << u"model_not_found"_s << u""_s << int(K::BadRequest)
                             << u"llm_error"_s << u"/v1"_s << false;
        QTest::newRow("422") << 422 << u""_s << u""_s << int(K::BadRequest) << u"llm_error"_s
                             << u"rejected the request"_s << false;
        QTest::newRow("429 quota")
            << 429 << u"insufficient_quota"_s << u"sk-x"_s << int(K::RateLimited)
            << u"llm_rate_limited"_s << u"billing"_s << false;
        QTest::newRow("429") << 429 << u"rate_limit_exceeded"_s << u""_s << int(K::RateLimited)
                             << u"llm_rate_limited"_s << u"rate limiting"_s << true;
        QTest::newRow("500") << 500 << u"server_error"_s << u""_s << int(K::Unavailable)
                             << u"llm_unavailable"_s << u"failed (HTTP 500)"_s << true;
    }
    void httpErrors() {
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QString, apiKey);
        QFETCH(int, kind);
        QFETCH(QString, protocolCode);
        QFETCH(QString, mentions);
        QFETCH(bool, retryable);
        const QString serverMessage = u"server says %1"_s.arg(status);
        m_server->enqueue(MockLlmReply::httpError(status, serverMessage, code));
        m_server->enqueue(MockLlmReply::text(u"not reached"_s));
        LlmSettings s = settings();
        s.apiKey = apiKey;
        s.maxRetries = 0;
        const Outcome outcome = run(s);
        QVERIFY(outcome.failed);
        QCOMPARE(int(outcome.error.kind), kind);
        QCOMPARE(outcome.error.httpStatus, status);
        QCOMPARE(outcome.error.protocolCode(), protocolCode);
        QCOMPARE(outcome.error.retryable, retryable);
        QVERIFY2(outcome.error.message.contains(mentions), qPrintable(outcome.error.message));
        QVERIFY2(outcome.error.message.contains(serverMessage), qPrintable(outcome.error.message));
        if (!apiKey.isEmpty())
            QVERIFY(!outcome.error.message.contains(apiKey));
        QCOMPARE(m_server->requestCount(), 1);
    }

    // Older or stricter servers reject optional fields; the request is sent again without them.
    void unsupportedFieldsAreDropped() {
        m_server->setResponder([](const MockLlmRequest &request) {
            if (request.json.contains("stream_options"_L1)) {
                return MockLlmReply::httpError(
                    400, u"Unrecognized request argument supplied: stream_options"_s);
            }
            if (request.json.contains("max_tokens"_L1)) {
                return MockLlmReply::httpError(400, u"Unsupported parameter: 'max_tokens' is not "
                                                    "supported with this model. Use "
                                                    "'max_completion_tokens' instead."_s);
            }
            if (request.json.contains("temperature"_L1)) {
                return MockLlmReply::httpError(400, u"Unsupported value: 'temperature' does not "
                                                    "support 0.2 with this model."_s);
            }
            return MockLlmReply::text(u"adapted"_s);
        });
        ChatRequest request = simpleRequest();
        request.maxTokens = 100;
        request.temperature = 0.2;
        LlmSettings s = settings();
        s.maxRetries = 0; // adapting is not retrying
        const Outcome outcome = run(s, request);
        QVERIFY2(outcome.finished, qPrintable(outcome.error.message));
        QCOMPARE(outcome.result.content, u"adapted"_s);
        QCOMPARE(m_server->requestCount(), 4);
        QCOMPARE(m_server->lastRequest().json.value("max_completion_tokens"_L1).toInt(), 100);
    }

    void clientErrorsAreNotRetried() {
        m_server->enqueue(MockLlmReply::httpError(400, u"bad"_s));
        m_server->enqueue(MockLlmReply::text(u"not reached"_s));
        const Outcome outcome = run(settings()); // maxRetries 3
        QVERIFY(outcome.failed);
        QCOMPARE(m_server->requestCount(), 1);
    }

    void midStreamError() {
        m_server->enqueue(MockLlmReply::tokens({u"Partial"_s})
                              .addErrorEvent(u"The model crashed"_s, u"server_error"_s));
        m_server->enqueue(MockLlmReply::text(u"not reached"_s));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Unavailable);
        QVERIFY2(outcome.error.message.contains(u"The model crashed"_s),
                 qPrintable(outcome.error.message));
        QCOMPARE(outcome.result.content, u"Partial"_s);
        QCOMPARE(m_server->requestCount(), 1);
    }

    void errorEventBeforeContentIsRetried() {
        m_server->enqueue(
            MockLlmReply::text(QString()).addErrorEvent(u"overloaded"_s, u"server_error"_s));
        m_server->enqueue(MockLlmReply::text(u"fine now"_s));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.finished);
        QCOMPARE(outcome.result.content, u"fine now"_s);
        QCOMPARE(m_server->requestCount(), 2);
    }

    void unknownErrorEvent() {
        m_server->enqueue(MockLlmReply::tokens({u"x"_s}).addErrorEvent(u"weird"_s, u"whatever"_s));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Protocol);
        QVERIFY(outcome.error.message.contains(u"weird"_s));
    }

    void malformedEvent() {
        m_server->enqueue(MockLlmReply::tokens({u"ok"_s}).addEvent("{not json"));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Protocol);
        QVERIFY2(outcome.error.message.contains(u"malformed"_s), qPrintable(outcome.error.message));
        QCOMPARE(outcome.result.content, u"ok"_s);
    }

    void namedEventsThatAreNotJsonAreIgnored() {
        m_server->enqueue(
            MockLlmReply::tokens({u"a"_s}).addRaw("event: ping\ndata: ping\n\n").addToken(u"b"_s));
        const Outcome outcome = run(settings());
        QVERIFY2(outcome.finished, qPrintable(outcome.error.message));
        QCOMPARE(outcome.result.content, u"ab"_s);
    }

    void nullErrorFieldIsNoError() {
        m_server->enqueue(MockLlmReply::tokens({u"a"_s}).addEvent(
            "{\"error\":null,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"}}]}"));
        const Outcome outcome = run(settings());
        QVERIFY2(outcome.finished, qPrintable(outcome.error.message));
        QCOMPARE(outcome.result.content, u"ab"_s);
    }

    void webPageInsteadOfApi() {
        MockLlmReply page;
        page.contentType = "text/html; charset=utf-8";
        page.addRaw("<!doctype html><html><body>Welcome to nginx!</body></html>");
        m_server->enqueue(page);
        m_server->enqueue(MockLlmReply::text(u"not reached"_s));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Protocol);
        QVERIFY2(outcome.error.message.contains(u"web page"_s), qPrintable(outcome.error.message));
        QCOMPARE(m_server->requestCount(), 1);
    }

    void endWithoutDoneButWithFinishReason() {
        m_server->enqueue(MockLlmReply::text(u"complete enough"_s).withoutDone());
        const Outcome outcome = run(settings());
        QVERIFY(outcome.finished);
        QCOMPARE(outcome.result.content, u"complete enough"_s);
        QCOMPARE(outcome.result.finishReason, u"stop"_s);
    }

    void endWithoutDoneOrFinishReason() {
        m_server->enqueue(MockLlmReply::text(u"cut off"_s).withoutDone().withoutFinish());
        m_server->enqueue(MockLlmReply::text(u"not reached"_s));
        const Outcome outcome = run(settings());
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Protocol);
        QVERIFY2(outcome.error.message.contains(u"before it was complete"_s),
                 qPrintable(outcome.error.message));
        QCOMPARE(outcome.result.content, u"cut off"_s);
        QCOMPARE(m_server->requestCount(), 1);
    }

    void cancelAbortsAtOnce() {
        QStringList tokens;
        for (int i = 0; i < 50; ++i)
            tokens.append(u"w%1 "_s.arg(i));
        m_server->enqueue(MockLlmReply::tokens(tokens, 50));
        LlmClient client(settings());
        LlmStream *stream = client.stream(simpleRequest(), &client);
        Recorder recorder(stream);
        QVERIFY(QTest::qWaitFor([&] { return recorder.outcome.deltas.size() >= 2; }, 10000));
        stream->cancel();
        // Emitted before cancel() returned.
        QCOMPARE(recorder.outcome.endSignals, 1);
        QVERIFY(recorder.outcome.failed);
        QCOMPARE(recorder.outcome.error.kind, LlmError::Kind::Cancelled);
        QVERIFY(recorder.outcome.result.content.startsWith(u"w0 w1 "_s));
        QVERIFY(stream->isDone());
        const int deltas = int(recorder.outcome.deltas.size());
        stream->cancel(); // no second signal
        QTest::qWait(200);
        QCOMPARE(recorder.outcome.endSignals, 1);
        QCOMPARE(recorder.outcome.deltas.size(), deltas);
        QVERIFY(!recorder.outcome.deltaAfterEnd);
    }

    void cancelBeforeStart() {
        LlmClient client(settings());
        LlmStream *stream = client.stream(simpleRequest(), &client);
        Recorder recorder(stream);
        stream->cancel();
        QCOMPARE(recorder.outcome.endSignals, 1);
        QCOMPARE(recorder.outcome.error.kind, LlmError::Kind::Cancelled);
        QTest::qWait(100);
        QCOMPARE(m_server->requestCount(), 0);
        QCOMPARE(recorder.outcome.endSignals, 1);
    }

    void cancelDuringRetryWait() {
        m_server->enqueue(MockLlmReply::httpError(503, u"busy"_s, {}, "30"));
        LlmClient client(settings());
        LlmStream *stream = client.stream(simpleRequest(), &client);
        Recorder recorder(stream);
        QVERIFY(QTest::qWaitFor([&] { return m_server->requestCount() == 1; }, 10000));
        QTest::qWait(100);
        QCOMPARE(recorder.outcome.endSignals, 0);
        stream->cancel();
        QCOMPARE(recorder.outcome.error.kind, LlmError::Kind::Cancelled);
    }

    void deletingARunningStreamIsSilent() {
        m_server->enqueue(MockLlmReply::tokens({u"a"_s, u"b"_s, u"c"_s}, 100));
        LlmClient client(settings());
        auto *stream = client.stream(simpleRequest(), &client);
        Recorder recorder(stream);
        QVERIFY(QTest::qWaitFor([&] { return !recorder.outcome.deltas.isEmpty(); }, 10000));
        const qsizetype seen = recorder.outcome.deltas.size();
        delete stream;
        QTest::qWait(300);
        QCOMPARE(recorder.outcome.endSignals, 0);
        QCOMPARE(recorder.outcome.deltas.size(), seen);
    }

    void deletingTheClientEndsItsStreams() {
        m_server->enqueue(MockLlmReply::tokens({u"a"_s, u"b"_s, u"c"_s}, 200));
        auto *client = new LlmClient(settings());
        QObject owner;
        LlmStream *stream = client->stream(simpleRequest(), &owner);
        Recorder recorder(stream);
        QVERIFY(QTest::qWaitFor([&] { return !recorder.outcome.deltas.isEmpty(); }, 10000));
        delete client;
        QCOMPARE(recorder.outcome.endSignals, 1);
        QCOMPARE(recorder.outcome.error.kind, LlmError::Kind::Unavailable);
        QVERIFY(recorder.outcome.result.content.startsWith(u"a"_s));
        QCOMPARE(recorder.outcome.result.content, recorder.outcome.deltas.join(QString()));
        QTest::qWait(300);
        QCOMPARE(recorder.outcome.endSignals, 1);
    }

    void notConfigured() {
        LlmSettings s;
        s.model = u"gpt-4o-mini"_s;
        LlmClient client(s);
        QVERIFY(!client.isConfigured());
        const Outcome outcome = run(s);
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Unavailable);
        QCOMPARE(outcome.error.protocolCode(), u"llm_unavailable"_s);
        QVERIFY(outcome.error.message.contains(u"OPENAI_API_KEY"_s));
        QVERIFY(outcome.error.message.contains(u"--llm-base-url"_s));
        QVERIFY(outcome.error.message.contains(u"local model"_s));

        client.setSettings(settings());
        QVERIFY(client.isConfigured());
        QCOMPARE(client.settings().baseUrl, m_server->baseUrl());
    }

    void notHttpUrl() {
        LlmSettings s = settings();
        s.baseUrl = QUrl(u"ftp://example.com/v1"_s);
        const Outcome outcome = run(s);
        QVERIFY(outcome.failed);
        QCOMPARE(outcome.error.kind, LlmError::Kind::Unavailable);
        QVERIFY(outcome.error.message.contains(u"--llm-base-url"_s));
    }

    void concurrentStreams() {
        m_server->setResponder([](const MockLlmRequest &request) {
            const QJsonArray messages = request.json.value("messages"_L1).toArray();
            return MockLlmReply::text(messages.last().toObject().value("content"_L1).toString(),
                                      10);
        });
        LlmClient client(settings());
        QList<Recorder *> recorders;
        for (int i = 0; i < 5; ++i) {
            auto *recorder =
                new Recorder(client.stream(simpleRequest(u"reply number %1"_s.arg(i)), &client));
            recorder->setParent(&client);
            recorders.append(recorder);
        }
        for (int i = 0; i < 5; ++i) {
            QVERIFY(recorders.at(i)->wait());
            QCOMPARE(recorders.at(i)->outcome.result.content, u"reply number %1"_s.arg(i));
        }
    }
};

QTEST_GUILESS_MAIN(TestLlmClient)
#include "tst_llmclient.moc"
