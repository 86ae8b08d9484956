// LlmEndpointProbe against the mock LLM over real HTTP, and against a port nothing listens on.
#include "fixtures/MockLlmServer.h"
#include "llm/LlmEndpointProbe.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

using Outcome = LlmEndpointProbe::Result::Outcome;

class TestLlmEndpointProbe : public QObject {
    Q_OBJECT

    // One check of `probe`, waited for.
    static LlmEndpointProbe::Result check(LlmEndpointProbe &probe) {
        QSignalSpy checked(&probe, &LlmEndpointProbe::checked);
        probe.checkNow();
        if (!checked.wait(15000))
            qFatal("the probe did not finish");
        return checked.first().first().value<LlmEndpointProbe::Result>();
    }

private Q_SLOTS:
    void modelsUrlFollowsTheBaseUrl_data() {
        QTest::addColumn<QString>("base");
        QTest::addColumn<QString>("models");
        QTest::newRow("v1") << u"http://127.0.0.1:11434/v1"_s
                            << u"http://127.0.0.1:11434/v1/models"_s;
        QTest::newRow("slash") << u"https://api.openai.com/v1/"_s
                               << u"https://api.openai.com/v1/models"_s;
        QTest::newRow("no path") << u"http://h:8080"_s << u"http://h:8080/v1/models"_s;
        QTest::newRow("completions")
            << u"http://h/api/v1/chat/completions"_s << u"http://h/api/v1/models"_s;
    }
    void modelsUrlFollowsTheBaseUrl() {
        QFETCH(QString, base);
        QFETCH(QString, models);
        QCOMPARE(LlmEndpointProbe::modelsUrl(QUrl(base)), QUrl(models));
    }

    void reachableMockWithTheKey() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        LlmEndpointProbe probe(mock.baseUrl(), u"sk-test"_s);
        QVERIFY(!probe.hasResult());
        QCOMPARE(probe.msSinceLastResult(), -1);
        const LlmEndpointProbe::Result result = check(probe);
        QCOMPARE(result.outcome, Outcome::Reachable);
        QVERIFY(result.isReachable());
        QCOMPARE(result.httpStatus, 200);
        QVERIFY(result.problem.isEmpty());
        QVERIFY(probe.hasResult());
        QVERIFY(probe.msSinceLastResult() >= 0);
        QCOMPARE(mock.modelsRequestCount(), 1);
        QCOMPARE(mock.lastModelsRequest().method, QByteArray("GET"));
        QCOMPARE(mock.lastModelsRequest().path, QByteArray("/v1/models"));
        QCOMPARE(mock.lastModelsRequest().header("authorization"), QByteArray("Bearer sk-test"));
        QCOMPARE(mock.requestCount(), 0); // a readiness check, not a chat request
    }

    void noKeyNoAuthorization() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        LlmEndpointProbe probe(mock.baseUrl(), {});
        QVERIFY(check(probe).isReachable());
        QVERIFY(mock.lastModelsRequest().header("authorization").isEmpty());
    }

    void closedPortIsUnreachable() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        const QUrl base = mock.baseUrl();
        mock.stopListening();
        LlmEndpointProbe probe(base, {});
        const LlmEndpointProbe::Result result = check(probe);
        QCOMPARE(result.outcome, Outcome::Unreachable);
        QCOMPARE(result.httpStatus, 0);
        QCOMPARE(
            result.problem,
            u"the LLM server at %1 is not reachable (connection refused)"_s.arg(base.toString()));

        // The same endpoint back on its port: the next check finds it.
        QVERIFY(mock.listen(quint16(base.port())));
        QVERIFY(check(probe).isReachable());
    }

    void answersMeanWhatTheySay_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("key");
        QTest::addColumn<int>("outcome");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("404: no /models, but it answered")
            << 404 << u""_s << int(Outcome::Reachable) << u""_s;
        QTest::newRow("405") << 405 << u""_s << int(Outcome::Reachable) << u""_s;
        QTest::newRow("401 with a key")
            << 401 << u"sk-bad"_s << int(Outcome::KeyRefused) << u"the API key was refused"_s;
        QTest::newRow("401 without a key")
            << 401 << u""_s << int(Outcome::KeyRefused) << u"requires an API key"_s;
        QTest::newRow("403") << 403 << u"sk-x"_s << int(Outcome::KeyRefused)
                             << u"the API key was refused"_s;
        QTest::newRow("503") << 503 << u""_s << int(Outcome::Failing) << u"(HTTP 503)"_s;
    }
    void answersMeanWhatTheySay() {
        QFETCH(int, status);
        QFETCH(QString, key);
        QFETCH(int, outcome);
        QFETCH(QString, mentions);
        MockLlmServer mock;
        QVERIFY(mock.listen());
        mock.setModelsStatus(status);
        LlmEndpointProbe probe(mock.baseUrl(), key);
        const LlmEndpointProbe::Result result = check(probe);
        QCOMPARE(int(result.outcome), outcome);
        QCOMPARE(result.httpStatus, status);
        QCOMPARE(result.problem.isEmpty(), mentions.isEmpty());
        QVERIFY2(result.problem.contains(mentions), qPrintable(result.problem));
        if (!result.problem.isEmpty())
            QVERIFY2(result.problem.contains(mock.baseUrl().toString()),
                     qPrintable(result.problem));
    }

    void startChecksAtOnceAndCheckSoonCoalesces() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        LlmEndpointProbe probe(mock.baseUrl(), {});
        probe.setIntervalMs(0);
        QSignalSpy checked(&probe, &LlmEndpointProbe::checked);
        probe.start();
        probe.checkSoon(); // one is running: nothing more
        probe.checkNow();
        QVERIFY(checked.wait(15000));
        QCOMPARE(mock.modelsRequestCount(), 1);
        // Right after a result, checkSoon waits kMinGapMs, however often it is called.
        probe.checkSoon();
        probe.checkSoon();
        QVERIFY(checked.wait(15000));
        QCOMPARE(checked.size(), 2);
        QCOMPARE(mock.modelsRequestCount(), 2);
    }

    void stopDropsTheCheckInFlight() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        mock.setSilent(true);
        LlmEndpointProbe probe(mock.baseUrl(), {});
        QSignalSpy checked(&probe, &LlmEndpointProbe::checked);
        probe.start();
        QTRY_COMPARE(mock.connectionCount(), 1);
        probe.stop();
        QCoreApplication::processEvents();
        QVERIFY(checked.isEmpty());
        QVERIFY(!probe.hasResult());
    }

    void noAnswerInTimeIsUnreachable() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        mock.setSilent(true);
        LlmEndpointProbe probe(mock.baseUrl(), {});
        probe.setTimeoutMs(300);
        const LlmEndpointProbe::Result result = check(probe);
        QCOMPARE(result.outcome, Outcome::Unreachable);
        QVERIFY2(result.problem.endsWith(u"is not reachable (no answer within 0.3 s)"_s),
                 qPrintable(result.problem));
    }
};

QTEST_GUILESS_MAIN(TestLlmEndpointProbe)
#include "tst_llmendpointprobe.moc"
