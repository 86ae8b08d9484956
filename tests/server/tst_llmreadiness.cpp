// Honest LLM readiness, end to end: a real Backend whose LLM base URL is the port of a mock LLM
// that stopped listening says so in /readyz, answers turns with a message meant for the person
// chatting (the operator's detail goes to the log), and is ready again once the mock listens on
// that port.
#include "ServerTestSupport.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"
#include "llm/LlmEndpointProbe.h"
#include "llm/LlmFailures.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

class TestLlmReadiness : public QObject {
    Q_OBJECT

    static QJsonObject llmOf(const TestHttp::Response &ready) {
        return ready.json().value(u"llm"_s).toObject();
    }

private Q_SLOTS:
    void closedPortIsNotReadyUntilTheServerListens() {
        InProcessServer server;
        const quint16 port = server.llm.port();
        const QString base = server.llm.baseUrl().toString();
        server.llm.stopListening();
        server.config.llmProbeIntervalS = 1; // the periodic check notices the return
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(u"the LLM server at %1 is not reachable "
                                                "\\(connection refused\\) - until it answers"_s.arg(
                                                    QRegularExpression::escape(base))));
        QVERIFY(server.start());
        QVERIFY(server.backend->llmProbe());

        TestHttp::Response ready;
        QVERIFY(QTest::qWaitFor(
            [&] {
                ready = TestHttp::get(server.httpUrl(u"/readyz"_s));
                return llmOf(ready).value(u"reachable"_s) == QJsonValue(false);
            },
            10000));
        QCOMPARE(ready.status, 503);
        QCOMPARE(ready.json().value(u"status"_s).toString(), u"not_ready"_s);
        const QJsonArray reasons = ready.json().value(u"reasons"_s).toArray();
        QCOMPARE(reasons.size(), 1);
        const QString reason = reasons.first().toString();
        QVERIFY2(QRegularExpression(
                     u"^llm: the LLM server at %1 is not reachable \\(connection "
                     "refused\\), checked \\d+ s ago$"_s.arg(QRegularExpression::escape(base)))
                     .match(reason)
                     .hasMatch(),
                 qPrintable(reason));
        QCOMPARE(llmOf(ready).value(u"ready"_s).toBool(true), false);
        QVERIFY(llmOf(ready).value(u"checked_ago_s"_s).toInt(-1) >= 0);
        QCOMPARE(ready.json().value(u"error"_s).toObject().value(u"message"_s).toString(), reason);

        // A turn meanwhile: the person chatting gets a sentence for them and may retry; the log
        // gets what failed.
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(u"request failed: unavailable - could not reach "
                                                "the LLM server at 127.0.0.1:%1"_s.arg(port)));
        WsTestClient client;
        QVERIFY(client.open(server.wsUrl(QUuid::createUuid(), u"ada"_s)));
        QCOMPARE(client.waitFor().value(u"type"_s).toString(), u"session"_s);
        client.sendText(u"hello?"_s);
        const QList<QJsonObject> turn = client.waitForTurn();
        QCOMPARE(WsTestClient::typesOf(turn), (QStringList{u"error"_s, u"done"_s}));
        const QJsonObject error = turn.first();
        QCOMPARE(error.value(u"code"_s).toString(), u"llm_unavailable"_s);
        QCOMPARE(error.value(u"message"_s).toString(), LlmFailures::unavailableForUsers());
        QCOMPARE(error.value(u"retryable"_s).toBool(), true);

        // The LLM server comes back on its port.
        QVERIFY(server.llm.listen(port));
        QVERIFY(QTest::qWaitFor(
            [&] {
                ready = TestHttp::get(server.httpUrl(u"/readyz"_s));
                return ready.status == 200;
            },
            15000));
        QCOMPARE(ready.json().value(u"status"_s).toString(), u"ready"_s);
        QCOMPARE(llmOf(ready).value(u"ready"_s).toBool(), true);
        QCOMPARE(llmOf(ready).value(u"reachable"_s).toBool(), true);
        QVERIFY(server.llm.modelsRequestCount() >= 1);

        client.sendText(u"and now?"_s);
        const QStringList types = WsTestClient::typesOf(client.waitForTurn());
        QVERIFY2(types.contains(u"content"_s) && !types.contains(u"error"_s),
                 qPrintable(types.join(u' ')));
    }

    // A turn that cannot connect asks for a check at once, without waiting for the interval.
    void aFailedTurnChecksAtOnce() {
        InProcessServer server;
        const quint16 port = server.llm.port();
        server.config.llmProbeIntervalS = 3600;
        QVERIFY(server.start());
        QTRY_COMPARE(TestHttp::get(server.httpUrl(u"/readyz"_s)).status, 200);
        QCOMPARE(server.llm.modelsRequestCount(), 1);

        server.llm.stopListening();
        WsTestClient client;
        QVERIFY(client.open(server.wsUrl(QUuid::createUuid(), u"bo"_s)));
        QCOMPARE(client.waitFor().value(u"type"_s).toString(), u"session"_s);
        client.sendText(u"hello?"_s);
        QCOMPARE(client.waitForTurn().first().value(u"code"_s).toString(), u"llm_unavailable"_s);
        QTRY_COMPARE_WITH_TIMEOUT(TestHttp::get(server.httpUrl(u"/readyz"_s)).status, 503, 10000);
        const QString reason = TestHttp::get(server.httpUrl(u"/readyz"_s))
                                   .json()
                                   .value(u"reasons"_s)
                                   .toArray()
                                   .first()
                                   .toString();
        QVERIFY2(reason.contains(u"127.0.0.1:%1/v1 is not reachable"_s.arg(port)),
                 qPrintable(reason));
    }

    void refusedKeyIsNotReady() {
        InProcessServer server;
        server.llm.setModelsStatus(401);
        server.config.llmApiKey = u"sk-wrong"_s;
        QVERIFY(server.start());
        QJsonArray reasons;
        QVERIFY(QTest::qWaitFor(
            [&] {
                reasons = TestHttp::get(server.httpUrl(u"/readyz"_s))
                              .json()
                              .value(u"reasons"_s)
                              .toArray();
                return !reasons.isEmpty() && reasons.first().toString().contains(u"HTTP 401"_s);
            },
            10000));
        QVERIFY2(reasons.first().toString().startsWith(u"llm: the API key was refused"_s),
                 qPrintable(reasons.first().toString()));
        QCOMPARE(server.llm.lastModelsRequest().header("authorization"),
                 QByteArray("Bearer sk-wrong"));
    }

    // A server without /models still answered: reachable.
    void notFoundModelsIsReachable() {
        InProcessServer server;
        server.llm.setModelsStatus(404);
        QVERIFY(server.start());
        QTRY_COMPARE(TestHttp::get(server.httpUrl(u"/readyz"_s)).status, 200);
        QCOMPARE(server.llm.modelsRequestCount(), 1);
    }

    void checksOff() {
        InProcessServer server;
        server.config.llmProbeIntervalS = 0;
        QVERIFY(server.start());
        QVERIFY(!server.backend->llmProbe());
        const TestHttp::Response ready = TestHttp::get(server.httpUrl(u"/readyz"_s));
        QCOMPARE(ready.status, 200);
        QVERIFY(llmOf(ready).value(u"reachable"_s).isNull());
        QVERIFY(llmOf(ready).value(u"checked_ago_s"_s).isNull());
        QCOMPARE(server.llm.modelsRequestCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestLlmReadiness)
#include "tst_llmreadiness.moc"
