// The bundled local model, for real: llama-server and the default GGUF from the cache that
// scripts/setup-local-model fills, reached through our LlmClient. Missing files fail the test.
#include "core/Config.h"
#include "llm/LlmClient.h"
#include "llm/LlmStream.h"
#include "llm/LocalModel.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <functional>
#include <signal.h>

using namespace Qt::StringLiterals;

namespace {

constexpr int kLoadTimeoutMs = 180000;
constexpr int kReplyTimeoutMs = 120000;

QJsonArray shippingTool() {
    const QJsonObject parameters{
        {u"type"_s, u"object"_s},
        {u"properties"_s,
         QJsonObject{
             {u"weight_kg"_s,
              QJsonObject{{u"type"_s, u"number"_s}, {u"description"_s, u"Weight in kg"_s}}},
             {u"destination"_s,
              QJsonObject{{u"type"_s, u"string"_s},
                          {u"description"_s, u"Destination country code, e.g. US"_s}}},
         }},
        {u"required"_s, QJsonArray{u"weight_kg"_s, u"destination"_s}},
    };
    return {QJsonObject{
        {u"type"_s, u"function"_s},
        {u"function"_s, QJsonObject{{u"name"_s, u"calculate_shipping"_s},
                                    {u"description"_s, u"Shipping cost of a parcel"_s},
                                    {u"parameters"_s, parameters}}},
    }};
}

ChatRequest shortRequest(const QString &userText, int maxTokens) {
    ChatRequest request;
    request.messages = {ChatMessage::system(u"You are a helpful, concise assistant."_s),
                        ChatMessage::user(userText)};
    request.maxTokens = maxTokens;
    request.temperature = 0;
    return request;
}

// Runs one request to its end; `onDelta` may act on the stream after each delta.
struct Outcome {
    bool finished = false;
    bool failed = false;
    LlmResult result;
    LlmError error;
    QString deltas;
};

Outcome run(LlmClient *client, const ChatRequest &request,
            const std::function<void(LlmStream *)> &onDelta = {}) {
    Outcome outcome;
    QObject context;
    LlmStream *stream = client->stream(request, &context);
    QObject::connect(stream, &LlmStream::contentDelta, stream, [&](const QString &text) {
        outcome.deltas += text;
        if (onDelta)
            onDelta(stream);
    });
    QObject::connect(stream, &LlmStream::finished, stream, [&](const LlmResult &result) {
        outcome.finished = true;
        outcome.result = result;
    });
    QObject::connect(stream, &LlmStream::failed, stream,
                     [&](const LlmError &error, const LlmResult &partial) {
                         outcome.failed = true;
                         outcome.error = error;
                         outcome.result = partial;
                     });
    if (!QTest::qWaitFor([&] { return outcome.finished || outcome.failed; }, kReplyTimeoutMs))
        qWarning("the local model did not answer within %d s", kReplyTimeoutMs / 1000);
    return outcome;
}

} // namespace

class TestLocalModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void reachesReady();
    void streamsReplyWithUsage();
    void forcedToolCallArrivesAsToolCall();
    void cancelStopsTheReply();
    void killedServerGivesClearErrorThenRecovers();
    void badModelFileFailsWithReason();
    void cleanupTestCase();

private:
    LlmClient *client();

    LocalModel *m_model = nullptr;
    LlmClient *m_client = nullptr;
};

void TestLocalModel::initTestCase() {
    LocalModelSettings settings = LocalModelSettings::fromConfig(Config{});
    if (!settings.isInstalled())
        QFAIL(qPrintable(u"the local model is not installed: "_s + settings.problem()));
    settings.contextSize = 4096; // enough for these short prompts, quicker to allocate
    m_model = new LocalModel(settings, this);
    m_model->start();
    QCOMPARE(m_model->state(), LocalModel::State::Loading);
    QTRY_VERIFY_WITH_TIMEOUT(m_model->state() != LocalModel::State::Loading, kLoadTimeoutMs);
    QVERIFY2(m_model->state() == LocalModel::State::Ready, qPrintable(m_model->reason()));
}

LlmClient *TestLocalModel::client() {
    if (!m_client) {
        LlmSettings settings;
        settings.baseUrl = m_model->baseUrl();
        settings.model = m_model->modelName();
        settings.maxRetries = 0; // each failure shows as it is
        m_client = new LlmClient(settings, this);
    }
    return m_client;
}

void TestLocalModel::reachesReady() {
    QCOMPARE(m_model->state(), LocalModel::State::Ready);
    QVERIFY(m_model->reason().isEmpty());
    QCOMPARE(m_model->baseUrl().host(), u"127.0.0.1"_s);
    QVERIFY(m_model->baseUrl().port() > 0);
    QVERIFY(m_model->processId() > 0);
}

void TestLocalModel::streamsReplyWithUsage() {
    const Outcome outcome = run(client(), shortRequest(u"Say hello to Ada."_s, 12));
    QVERIFY2(outcome.finished, qPrintable(outcome.error.message));
    QVERIFY(!outcome.result.content.trimmed().isEmpty());
    QCOMPARE(outcome.deltas, outcome.result.content);
    QVERIFY(outcome.result.usage.promptTokens > 0);
    QVERIFY(outcome.result.usage.completionTokens > 0);
    QVERIFY(outcome.result.usage.completionTokens <= 12);
    QVERIFY(outcome.result.finishReason == u"stop" || outcome.result.finishReason == u"length");
    QCOMPARE(outcome.result.model, m_model->modelName());
}

void TestLocalModel::forcedToolCallArrivesAsToolCall() {
    ChatRequest request = shortRequest(u"How much to ship 5kg to the US?"_s, 64);
    request.tools = shippingTool();
    request.toolChoice = u"calculate_shipping"_s;
    const Outcome outcome = run(client(), request);
    QVERIFY2(outcome.finished, qPrintable(outcome.error.message));
    // Known limitation, kept visible: this llama-server (node-llama-cpp 3.22.1's llama.cpp)
    // rejects the OpenAI object form of a named tool_choice ("type must be string", falls back
    // to auto), and neither bundled model's chat template supports tools, so no tool grammar
    // is applied and the model answers in prose. An XPASS here means it got fixed.
    QEXPECT_FAIL("", "llama-server applies no tool grammar to the bundled models (README)", Abort);
    QCOMPARE(outcome.result.finishReason, u"tool_calls"_s);
    QCOMPARE(outcome.result.toolCalls.size(), 1);
    const ToolCall call = outcome.result.toolCalls.constFirst();
    QCOMPARE(call.name, u"calculate_shipping"_s);
    QVERIFY(!call.id.isEmpty());
    QJsonParseError error;
    const QJsonDocument arguments = QJsonDocument::fromJson(call.arguments.toUtf8(), &error);
    QVERIFY2(arguments.isObject(), qPrintable(call.arguments));
}

void TestLocalModel::cancelStopsTheReply() {
    const Outcome outcome =
        run(client(), shortRequest(u"Count from 1 to 50, one number a line."_s, 200),
            [](LlmStream *stream) { stream->cancel(); });
    QVERIFY(outcome.failed);
    QCOMPARE(outcome.error.kind, LlmError::Kind::Cancelled);
    QVERIFY(!outcome.deltas.isEmpty());
    QCOMPARE(outcome.result.content, outcome.deltas);
    // llama-server noticed the closed connection and serves the next request.
    const Outcome next = run(client(), shortRequest(u"Say yes."_s, 4));
    QVERIFY2(next.finished, qPrintable(next.error.message));
    QCOMPARE(m_model->state(), LocalModel::State::Ready);
}

void TestLocalModel::killedServerGivesClearErrorThenRecovers() {
    QSignalSpy states(m_model, &LocalModel::stateChanged);
    const qint64 pid = m_model->processId();
    QVERIFY(pid > 0);
    const QUrl baseUrl = m_model->baseUrl();
    const Outcome outcome =
        run(client(), shortRequest(u"Count from 1 to 50, one number a line."_s, 200),
            [pid, killed = false](LlmStream *) mutable {
                if (!std::exchange(killed, true))
                    ::kill(pid_t(pid), SIGKILL);
            });
    QVERIFY(outcome.failed);
    QVERIFY(outcome.error.kind != LlmError::Kind::Cancelled);
    QVERIFY2(!outcome.error.message.isEmpty(), "the error says what happened");
    QVERIFY(!outcome.deltas.isEmpty());

    QTRY_VERIFY_WITH_TIMEOUT(!states.isEmpty(), 10000);
    QCOMPARE(states.constFirst().at(0).value<LocalModel::State>(), LocalModel::State::Loading);
    QVERIFY2(states.constFirst().at(1).toString().contains(u"llama-server"_s),
             qPrintable(states.constFirst().at(1).toString()));
    QTRY_VERIFY_WITH_TIMEOUT(m_model->state() != LocalModel::State::Loading, kLoadTimeoutMs);
    QVERIFY2(m_model->state() == LocalModel::State::Ready, qPrintable(m_model->reason()));
    QVERIFY(m_model->processId() != pid);
    QCOMPARE(m_model->baseUrl(), baseUrl);

    const Outcome next = run(client(), shortRequest(u"Say yes."_s, 4));
    QVERIFY2(next.finished, qPrintable(next.error.message));
    QVERIFY(!next.result.content.isEmpty());
}

void TestLocalModel::badModelFileFailsWithReason() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile notAModel(dir.filePath(u"broken.gguf"_s));
    QVERIFY(notAModel.open(QIODevice::WriteOnly));
    notAModel.write("this is not a GGUF file\n");
    notAModel.close();

    LocalModelSettings settings = m_model->settings();
    settings.modelPath = notAModel.fileName();
    settings.maxFailedStarts = 2;
    LocalModel broken(settings);
    QSignalSpy states(&broken, &LocalModel::stateChanged);
    broken.start();
    QTRY_VERIFY_WITH_TIMEOUT(broken.state() == LocalModel::State::Failed, 60000);
    QVERIFY2(broken.reason().contains(u"gave up after 2 failed starts"_s),
             qPrintable(broken.reason()));
    QVERIFY2(broken.reason().contains(u"llama-server exited"_s), qPrintable(broken.reason()));
    QCOMPARE(broken.processId(), 0);
    // Loading, Loading again with the reason of the first failure, then Failed.
    QVERIFY(states.size() >= 3);
    QCOMPARE(states.at(1).at(0).value<LocalModel::State>(), LocalModel::State::Loading);
    QVERIFY(!states.at(1).at(1).toString().isEmpty());
    QCOMPARE(m_model->state(), LocalModel::State::Ready); // the good one is unaffected
}

void TestLocalModel::cleanupTestCase() {
    if (!m_model)
        return;
    const qint64 pid = m_model->processId();
    m_model->stop();
    QTRY_COMPARE_WITH_TIMEOUT(m_model->state(), LocalModel::State::Stopped, 10000);
    QCOMPARE(m_model->processId(), 0);
    if (pid > 0)
        QVERIFY2(::kill(pid_t(pid), 0) != 0, "llama-server is gone after stop()");
}

QTEST_GUILESS_MAIN(TestLocalModel)
#include "tst_localmodel.moc"
