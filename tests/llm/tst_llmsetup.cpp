// The LLM side of the console's guided setup: provider presets, the model list of an endpoint
// (LlmEndpointProbe), and LlmConnectionTest's one-token completion against the mock LLM over real
// HTTP, against a closed port and against a server that never answers.
#include "fixtures/MockLlmServer.h"
#include "llm/LlmConnectionTest.h"
#include "llm/LlmEndpointProbe.h"
#include "llm/LlmProviderPreset.h"
#include "llm/LlmSetupAdvice.h"

#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

LlmConnectionTest::Result runTest(LlmConnectionTest &test, const LlmSettings &settings) {
    QSignalSpy finished(&test, &LlmConnectionTest::finished);
    test.start(settings);
    if (!finished.wait(20000))
        qFatal("the connection test did not finish");
    return finished.first().first().value<LlmConnectionTest::Result>();
}

LlmSettings settingsFor(const QUrl &base, const QString &model, const QString &key = {}) {
    LlmSettings settings;
    settings.baseUrl = base;
    settings.model = model;
    settings.apiKey = key;
    return settings;
}

LlmEndpointProbe::Result listModels(const QUrl &base, const QString &key = {}) {
    LlmEndpointProbe probe(base, key);
    probe.setIntervalMs(0);
    QSignalSpy checked(&probe, &LlmEndpointProbe::checked);
    probe.checkNow();
    if (!checked.wait(15000))
        qFatal("the model list did not come");
    return checked.first().first().value<LlmEndpointProbe::Result>();
}

// A port on 127.0.0.1 that nothing listens on.
quint16 closedPort() {
    MockLlmServer mock;
    if (!mock.listen())
        qFatal("cannot listen");
    const quint16 port = mock.port();
    mock.stopListening();
    return port;
}

} // namespace

class TestLlmSetup : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void presetsHaveTheUsualDefaults() {
        const auto baseOf = [](const char *id) {
            const LlmProviderPreset *preset = LlmProviderPreset::find(QLatin1String(id));
            return preset ? preset->baseUrl : u"(none)"_s;
        };
        QCOMPARE(baseOf("openai"), u"https://api.openai.com/v1"_s);
        QCOMPARE(baseOf("ollama"), u"http://127.0.0.1:11434/v1"_s);
        QCOMPARE(baseOf("lmstudio"), u"http://127.0.0.1:1234/v1"_s);
        QCOMPARE(baseOf("vllm"), u"http://127.0.0.1:8000/v1"_s);
        QCOMPARE(baseOf("llama-server"), u"http://127.0.0.1:8080/v1"_s);
        QCOMPARE(baseOf("local"), QString());
        QVERIFY(LlmProviderPreset::find(u"local"_s)->isBundledModel());
        QVERIFY(LlmProviderPreset::find(u"openai"_s)->needsApiKey);
        QCOMPARE(LlmProviderPreset::find(u"openai"_s)->model, u"gpt-4o-mini"_s);
        QVERIFY(!LlmProviderPreset::find(u"ollama"_s)->needsApiKey);
        QCOMPARE(LlmProviderPreset::find(u"nope"_s), nullptr);
        QCOMPARE(LlmProviderPreset::all().size(), 6);
    }

    void presetsAreRecognizedFromTheirBaseUrl_data() {
        QTest::addColumn<QString>("base");
        QTest::addColumn<QString>("id");
        QTest::newRow("exact") << u"http://127.0.0.1:11434/v1"_s << u"ollama"_s;
        QTest::newRow("slash") << u"http://127.0.0.1:11434/v1/"_s << u"ollama"_s;
        QTest::newRow("no path") << u"http://127.0.0.1:1234"_s << u"lmstudio"_s;
        QTest::newRow("localhost") << u"http://localhost:8080/v1"_s << u"llama-server"_s;
        QTest::newRow("openai") << u"https://api.openai.com/v1"_s << u"openai"_s;
        QTest::newRow("other port") << u"http://127.0.0.1:9999/v1"_s << QString();
        QTest::newRow("other scheme") << u"https://127.0.0.1:8000/v1"_s << QString();
        QTest::newRow("empty") << QString() << QString();
    }
    void presetsAreRecognizedFromTheirBaseUrl() {
        QFETCH(QString, base);
        QFETCH(QString, id);
        const LlmProviderPreset *preset = LlmProviderPreset::forBaseUrl(base);
        QCOMPARE(preset ? preset->id : QString(), id);
    }

    void theModelListIsRead() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        mock.setModels({u"llama3.2"_s, u"qwen2.5:7b"_s, u"llama3.2"_s});
        const LlmEndpointProbe::Result result = listModels(mock.baseUrl(), u"sk-list"_s);
        QCOMPARE(result.httpStatus, 200);
        QCOMPARE(result.models, (QStringList{u"llama3.2"_s, u"qwen2.5:7b"_s}));
        QCOMPARE(mock.lastModelsRequest().header("authorization"), QByteArray("Bearer sk-list"));
        QCOMPARE(LlmSetupAdvice::forModelList(mock.baseUrl(), result, true, 10000), QString());

        mock.setModels({});
        const LlmEndpointProbe::Result none = listModels(mock.baseUrl());
        QCOMPARE(none.models, QStringList());
        QVERIFY2(LlmSetupAdvice::forModelList(mock.baseUrl(), none, false, 10000)
                     .contains(u"lists no models"_s),
                 qPrintable(LlmSetupAdvice::forModelList(mock.baseUrl(), none, false, 10000)));
    }

    void theModelListSaysWhatToCheck() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        const QString host = u"127.0.0.1:%1"_s.arg(mock.port());
        mock.setModelsStatus(404);
        const QString notFound =
            LlmSetupAdvice::forModelList(mock.baseUrl(), listModels(mock.baseUrl()), false, 10000);
        QCOMPARE(notFound, u"The server has no model list at http://%1/v1/models (HTTP 404): "
                           "check the base URL (most servers want it to end with /v1), or type "
                           "the model name."_s.arg(host));
        mock.setModelsStatus(401);
        QCOMPARE(LlmSetupAdvice::forModelList(mock.baseUrl(), listModels(mock.baseUrl(), u"sk"_s),
                                              true, 10000),
                 u"The server refused the API key (HTTP 401): check the API key (the whole key, "
                 "for this provider)."_s);
        QCOMPARE(
            LlmSetupAdvice::forModelList(mock.baseUrl(), listModels(mock.baseUrl()), false, 10000),
            u"The server wants an API key (HTTP 401): enter the API key."_s);

        const QUrl closed(u"http://127.0.0.1:%1/v1"_s.arg(closedPort()));
        QCOMPARE(LlmSetupAdvice::forModelList(closed, listModels(closed), false, 10000),
                 u"Connection refused: nothing is listening at 127.0.0.1:%1. Start the LLM "
                 "server, or check the host and port of the base URL."_s.arg(closed.port()));
    }

    void aOneTokenCompletionAnswers() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        mock.enqueue(MockLlmReply::text(u"Hello"_s));
        LlmConnectionTest test;
        const LlmConnectionTest::Result result =
            runTest(test, settingsFor(mock.baseUrl(), u"mock-model"_s, u"sk-one"_s));
        QVERIFY2(result.ok, qPrintable(result.problem));
        QCOMPARE(result.answer, u"Hello"_s);
        QCOMPARE(result.problem, QString());
        QVERIFY(result.latencyMs >= 0);
        QVERIFY(!test.isRunning());
        QCOMPARE(mock.requestCount(), 1);
        const MockLlmRequest request = mock.lastRequest();
        QCOMPARE(request.path, QByteArray("/v1/chat/completions"));
        QCOMPARE(request.json.value(u"max_tokens"_s).toInt(), 1);
        QCOMPARE(request.json.value(u"model"_s).toString(), u"mock-model"_s);
        QCOMPARE(request.header("authorization"), QByteArray("Bearer sk-one"));
    }

    void aClosedPortIsRefused() {
        const QUrl closed(u"http://127.0.0.1:%1/v1"_s.arg(closedPort()));
        LlmConnectionTest test;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"request failed: unavailable"_s));
        const LlmConnectionTest::Result result = runTest(test, settingsFor(closed, u"m"_s));
        QVERIFY(!result.ok);
        QCOMPARE(result.problem,
                 u"Connection refused: nothing is listening at 127.0.0.1:%1. Start the LLM "
                 "server, or check the host and port of the base URL."_s.arg(closed.port()));
    }

    void httpErrorsSayWhatToCheck_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("problem");
        QTest::newRow("401 with a key")
            << 401 << u"sk-wrong"_s
            << u"The server refused the API key (HTTP 401): check the API key (the whole key, "
               "for this provider)."_s;
        QTest::newRow("401 without") << 401 << QString()
                                     << u"The server wants an API key (HTTP 401): enter the API "
                                        "key."_s;
        QTest::newRow("403") << 403 << u"sk"_s
                             << u"The server refused access (HTTP 403): check that the API key "
                                "may use this model."_s;
        QTest::newRow("404") << 404 << QString()
                             << u"Nothing at %1 (HTTP 404): check the base URL (most servers "
                                "want it to end with /v1), and that the model \"m1\" exists "
                                "there."_s;
    }
    void httpErrorsSayWhatToCheck() {
        QFETCH(int, status);
        QFETCH(QString, key);
        QFETCH(QString, problem);
        MockLlmServer mock;
        QVERIFY(mock.listen());
        mock.enqueue(MockLlmReply::httpError(status, u"mock says no"_s));
        LlmConnectionTest test;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"request failed: "_s));
        const LlmConnectionTest::Result result =
            runTest(test, settingsFor(mock.baseUrl(), u"m1"_s, key));
        QVERIFY(!result.ok);
        if (problem.contains(u"%1"_s))
            problem = problem.arg(mock.baseUrl().toString());
        QCOMPARE(result.problem, problem);
        QCOMPARE(mock.requestCount(), 1); // not retried
    }

    void noAnswerIsATimeout() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        mock.setSilent(true);
        LlmConnectionTest test;
        test.setTimeoutMs(300);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"request failed: timeout"_s));
        const LlmConnectionTest::Result result = runTest(test, settingsFor(mock.baseUrl(), u"m"_s));
        QVERIFY(!result.ok);
        QCOMPARE(result.problem, u"No answer from 127.0.0.1:%1 within 0.3 s: the server may be "
                                 "busy (loading a model), or the base URL points at something "
                                 "that does not answer."_s.arg(mock.port()));
    }

    void aTestCanBeDroppedAndRestarted() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        mock.enqueue(MockLlmReply::text(u"first"_s, 200));
        mock.enqueue(MockLlmReply::text(u"second"_s));
        LlmConnectionTest test;
        QSignalSpy finished(&test, &LlmConnectionTest::finished);
        test.start(settingsFor(mock.baseUrl(), u"m"_s));
        QVERIFY(test.isRunning());
        test.cancel();
        QVERIFY(!test.isRunning());
        QCOMPARE(finished.size(), 0);
        const LlmConnectionTest::Result result = runTest(test, settingsFor(mock.baseUrl(), u"m"_s));
        QVERIFY(result.ok);
        QCOMPARE(finished.size(), 1); // the dropped test said nothing
    }
};

QTEST_GUILESS_MAIN(TestLlmSetup)
#include "tst_llmsetup.moc"
