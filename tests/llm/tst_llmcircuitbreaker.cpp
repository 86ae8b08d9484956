// LlmCircuitBreaker: how one endpoint's failures are shared by every request to it.

#include "llm/LlmCircuitBreaker.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <atomic>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

using State = LlmCircuitBreaker::State;

class TstLlmCircuitBreaker : public QObject {
    Q_OBJECT

    static LlmCircuitBreaker::Settings settings(int openMs = 100) {
        LlmCircuitBreaker::Settings s;
        s.failureThreshold = 3;
        s.openMs = openMs;
        s.maxOpenMs = 250;
        return s;
    }

private Q_SLOTS:
    void opensAfterFailuresInARow() {
        LlmCircuitBreaker breaker(settings());
        QSignalSpy opened(&breaker, &LlmCircuitBreaker::opened);
        breaker.recordFailure(u"refused"_s);
        breaker.recordFailure(u"refused"_s);
        breaker.recordSuccess(); // the run is broken
        breaker.recordFailure(u"refused"_s);
        breaker.recordFailure(u"refused"_s);
        QCOMPARE(breaker.state(), State::Closed);
        QVERIFY(breaker.admit().allowed);
        breaker.recordFailure(u"HTTP 503"_s);
        QCOMPARE(breaker.state(), State::Open);
        QCOMPARE(opened.size(), 1);
        QVERIFY(opened.first().at(0).toString().contains(u"HTTP 503"_s));

        const LlmCircuitBreaker::Verdict refused = breaker.admit();
        QVERIFY(!refused.allowed);
        QVERIFY(refused.retryInMs > 0);
        QVERIFY2(refused.reason.contains(u"3 requests in a row failed"_s),
                 qPrintable(refused.reason));
    }

    void oneProbeAfterTheOpenTime() {
        LlmCircuitBreaker breaker(settings());
        for (int i = 0; i < 3; ++i)
            breaker.recordFailure(u"refused"_s);
        QTest::qWait(120);
        const LlmCircuitBreaker::Verdict probe = breaker.admit();
        QVERIFY(probe.allowed);
        QVERIFY(probe.probe);
        QCOMPARE(breaker.state(), State::HalfOpen);
        QVERIFY(!breaker.admit().allowed); // one probe at a time
        breaker.recordSuccess();
        QCOMPARE(breaker.state(), State::Closed);
        QVERIFY(breaker.admit().allowed);
        QVERIFY(!breaker.admit().probe);
    }

    void aFailedProbeOpensForLonger() {
        LlmCircuitBreaker breaker(settings());
        QSignalSpy opened(&breaker, &LlmCircuitBreaker::opened);
        for (int i = 0; i < 3; ++i)
            breaker.recordFailure(u"refused"_s);
        QTest::qWait(120);
        QVERIFY(breaker.admit().probe);
        breaker.recordFailure(u"still refused"_s);
        QCOMPARE(breaker.state(), State::Open);
        QCOMPARE(opened.size(), 2);
        QCOMPARE(opened.last().at(1).toLongLong(), 200); // doubled
        QTest::qWait(120);
        QVERIFY(!breaker.admit().allowed); // 200 ms have not passed
        QTest::qWait(100);
        QVERIFY(breaker.admit().probe);
        breaker.recordFailure(u"still refused"_s);
        QCOMPARE(opened.last().at(1).toLongLong(), 250); // capped at maxOpenMs
    }

    void anAbandonedProbeLetsTheNextOneTry() {
        LlmCircuitBreaker breaker(settings());
        for (int i = 0; i < 3; ++i)
            breaker.recordFailure(u"refused"_s);
        QTest::qWait(120);
        QVERIFY(breaker.admit().probe);
        breaker.abandonProbe();
        QVERIFY(breaker.admit().probe);
    }

    void zeroThresholdNeverOpens() {
        LlmCircuitBreaker::Settings s = settings();
        s.failureThreshold = 0;
        LlmCircuitBreaker breaker(s);
        for (int i = 0; i < 50; ++i)
            breaker.recordFailure(u"refused"_s);
        QCOMPARE(breaker.state(), State::Closed);
    }

    void sharedPause() {
        LlmCircuitBreaker breaker(settings());
        QCOMPARE(breaker.pausedForMs(), 0);
        breaker.pauseFor(200);
        breaker.pauseFor(50); // a shorter wait does not cut a longer one short
        QVERIFY(breaker.pausedForMs() > 100);
        QTest::qWait(220);
        QCOMPARE(breaker.pausedForMs(), 0);
    }

    void manyThreadsOpenItOnceAndProbeOnce() {
        // The streams of four network threads fail at once: the breaker opens once. After the
        // open time they all ask at once: exactly one of them is let through, as the probe.
        LlmCircuitBreaker breaker(settings());
        std::atomic<int> openings = 0;
        connect(
            &breaker, &LlmCircuitBreaker::opened, &breaker, [&] { ++openings; },
            Qt::DirectConnection);
        const auto onFourThreads = [](const std::function<void()> &body) {
            std::vector<std::unique_ptr<QThread>> threads;
            for (int t = 0; t < 4; ++t) {
                threads.emplace_back(QThread::create(body));
                threads.back()->start();
            }
            for (auto &thread : threads)
                thread->wait();
        };
        onFourThreads([&] {
            for (int i = 0; i < 50; ++i)
                breaker.recordFailure(u"refused"_s);
        });
        QCOMPARE(openings.load(), 1);
        QCOMPARE(breaker.state(), State::Open);

        QTest::qWait(150); // past the 100 ms open time
        std::atomic<int> allowed = 0;
        std::atomic<int> probes = 0;
        onFourThreads([&] {
            for (int i = 0; i < 50; ++i) {
                const LlmCircuitBreaker::Verdict verdict = breaker.admit();
                allowed += verdict.allowed;
                probes += verdict.probe;
            }
        });
        QCOMPARE(allowed.load(), 1);
        QCOMPARE(probes.load(), 1);
        QCOMPARE(breaker.state(), State::HalfOpen);
    }
};

QTEST_GUILESS_MAIN(TstLlmCircuitBreaker)
#include "tst_llmcircuitbreaker.moc"
