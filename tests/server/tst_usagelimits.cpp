// UsageLimits and its TokenBucket: the per-user and per-address limits on connections, messages
// and LLM tokens, on a clock the test sets.

#include "core/TokenBucket.h"
#include "server/UsageLimits.h"

#include <QTest>
#include <QThread>
#include <atomic>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

const QHostAddress kRemote(u"203.0.113.7"_s);
const QHostAddress kOtherRemote(u"203.0.113.8"_s);
const QHostAddress kLoopback(QHostAddress::LocalHost);

UsageLimits limits(int connections, int perUser, int perAddress, qint64 tokens,
                   qint64 addressTokens = 0) {
    return UsageLimits({connections, perUser, perAddress, tokens, addressTokens});
}

} // namespace

class TstUsageLimits : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void bucketAllowsABurstThenRefills() {
        TokenBucket bucket(3, 60000, 0);
        QVERIFY(bucket.take(1, 0));
        QVERIFY(bucket.take(1, 0));
        QVERIFY(bucket.take(1, 0));
        QVERIFY(!bucket.take(1, 0));
        QCOMPARE(bucket.msUntil(1, 0), 20000); // 3 a minute: one every 20 s
        QVERIFY(!bucket.take(1, 19999));
        QVERIFY(bucket.take(1, 20000));
        QVERIFY(!bucket.isFull(20000));
        QVERIFY(bucket.isFull(80000));
        QVERIFY(bucket.take(3, 80000));
    }

    void bucketChargedBelowZeroWaitsUntilPaidBack() {
        TokenBucket bucket(100, 1000, 0);
        bucket.charge(150, 0); // -50
        QVERIFY(!bucket.holds(1, 0));
        QCOMPARE(bucket.msUntil(1, 0), 510); // 51 tokens at 0.1 a millisecond
        QVERIFY(!bucket.holds(1, 509));
        QVERIFY(bucket.holds(1, 510));
        QCOMPARE(bucket.msUntil(500, 510), 990); // never more than the capacity is awaited
    }

    void messagesPerUser() {
        UsageLimits usage = limits(0, 2, 0, 0);
        QVERIFY(!usage.admitMessage(u"ada"_s, kRemote, 0));
        QVERIFY(!usage.admitMessage(u"ada"_s, kRemote, 0));
        const auto refusal = usage.admitMessage(u"ada"_s, kRemote, 0);
        QVERIFY(refusal);
        QCOMPARE(refusal->limit, UsageLimits::MessagesPerUser);
        QCOMPARE(refusal->retryAfterMs, 30000);
        QVERIFY2(refusal->message.contains(u"2 messages a minute"_s), qPrintable(refusal->message));
        // Another user is not affected, and the refused message was not counted.
        QVERIFY(!usage.admitMessage(u"bob"_s, kRemote, 0));
        QVERIFY(!usage.admitMessage(u"ada"_s, kRemote, 30000));
        QVERIFY(usage.admitMessage(u"ada"_s, kRemote, 30000));
    }

    void messagesPerAddressSpareLoopback() {
        UsageLimits usage = limits(0, 0, 2, 0);
        QVERIFY(!usage.admitMessage(u"a"_s, kRemote, 0));
        QVERIFY(!usage.admitMessage(u"b"_s, kRemote, 0));
        const auto refusal = usage.admitMessage(u"c"_s, kRemote, 0);
        QVERIFY(refusal);
        QCOMPARE(refusal->limit, UsageLimits::MessagesPerAddress);
        QVERIFY(!usage.admitMessage(u"c"_s, kOtherRemote, 0));
        for (int i = 0; i < 10; ++i)
            QVERIFY(!usage.admitMessage(u"u%1"_s.arg(i), kLoopback, 0));
        // An IPv4 client seen through a dual-stack socket is the same address.
        QVERIFY(usage.admitMessage(u"d"_s, QHostAddress(u"::ffff:203.0.113.7"_s), 0));
    }

    void aUserOverItsRateIsNotChargedToTheAddress() {
        UsageLimits usage = limits(0, 1, 2, 0);
        QVERIFY(!usage.admitMessage(u"flood"_s, kRemote, 0));
        for (int i = 0; i < 5; ++i)
            QVERIFY(usage.admitMessage(u"flood"_s, kRemote, 0));
        QVERIFY(!usage.admitMessage(u"calm"_s, kRemote, 0));
    }

    void tokensPerDay() {
        UsageLimits usage = limits(0, 0, 0, 1000);
        QVERIFY(!usage.admitMessage(u"ada"_s, kRemote, 0));
        usage.chargeTokens(u"ada"_s, kRemote, 1200, 0);
        const auto refusal = usage.admitMessage(u"ada"_s, kRemote, 1000);
        QVERIFY(refusal);
        QCOMPARE(refusal->limit, UsageLimits::TokensPerUser);
        // 201 tokens to earn back at 1000 a day: 201 × 86.4 s.
        QCOMPARE(refusal->retryAfterMs, 201 * 86400 - 1000);
        QVERIFY(!usage.admitMessage(u"bob"_s, kRemote, 1000));
        QVERIFY(!usage.admitMessage(u"ada"_s, kRemote, 201 * 86400));
    }

    void tokensPerDayPerAddressSpareLoopback() {
        UsageLimits usage = limits(0, 0, 0, 0, 1000);
        usage.chargeTokens(u"ada"_s, kRemote, 600, 0);
        usage.chargeTokens(u"bob"_s, kRemote, 600, 0); // the address: -200
        const auto refusal = usage.admitMessage(u"carl"_s, kRemote, 0);
        QVERIFY(refusal);
        QCOMPARE(refusal->limit, UsageLimits::TokensPerAddress);
        QVERIFY2(refusal->message.contains(u"address 203.0.113.7"_s), qPrintable(refusal->message));
        QVERIFY(!usage.admitMessage(u"carl"_s, kOtherRemote, 0));
        usage.chargeTokens(u"ada"_s, kLoopback, 1'000'000, 0);
        QVERIFY(!usage.admitMessage(u"ada"_s, kLoopback, 0));
    }

    void connectionsPerUser() {
        UsageLimits usage = limits(2, 0, 0, 0);
        QVERIFY(!usage.admitConnection(u"ada"_s));
        QVERIFY(!usage.admitConnection(u"ada"_s));
        const auto refusal = usage.admitConnection(u"ada"_s);
        QVERIFY(refusal);
        QCOMPARE(refusal->limit, UsageLimits::ConnectionsPerUser);
        QVERIFY(refusal->retryAfterMs > 0);
        QVERIFY(!usage.admitConnection(u"bob"_s));
        usage.releaseConnection(u"ada"_s);
        QVERIFY(!usage.admitConnection(u"ada"_s));
        QVERIFY(usage.admitConnection(u"ada"_s));
    }

    void zeroTurnsALimitOff() {
        UsageLimits usage = limits(0, 0, 0, 0);
        for (int i = 0; i < 1000; ++i) {
            QVERIFY(!usage.admitConnection(u"ada"_s));
            QVERIFY(!usage.admitMessage(u"ada"_s, kRemote, 0));
        }
        usage.chargeTokens(u"ada"_s, kRemote, 1'000'000, 0);
        QVERIFY(!usage.admitMessage(u"ada"_s, kRemote, 0));
        QCOMPARE(usage.trackedBuckets(), 0);
    }

    void sharedByManyThreads() {
        // The SessionManagers of four network threads ask at once, on one clock: the limits hold
        // exactly, as if one thread had asked.
        UsageLimits usage = limits(32, 120, 0, 0);
        std::atomic<int> messages = 0;
        std::atomic<int> connections = 0;
        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back(QThread::create([&, t] {
                const QString other = u"user%1"_s.arg(t);
                for (int i = 0; i < 100; ++i) {
                    messages += !usage.admitMessage(u"ada"_s, kRemote, 0);
                    connections += !usage.admitConnection(u"ada"_s);
                    // Meanwhile, users of its own come and go.
                    if (!usage.admitConnection(other))
                        usage.releaseConnection(other);
                    (void)usage.admitMessage(other, kOtherRemote, 0);
                }
            }));
            threads.back()->start();
        }
        for (auto &thread : threads)
            QVERIFY(thread->wait(60000));
        QCOMPARE(messages.load(), 120);
        QCOMPARE(connections.load(), 32);
    }

    void idleUsersAreForgotten() {
        UsageLimits usage = limits(0, 10, 0, 0);
        for (int i = 0; i < 5000; ++i)
            QVERIFY(!usage.admitMessage(u"user%1"_s.arg(i), kRemote, 0));
        QVERIFY(usage.trackedBuckets() >= 1000);
        // A minute later every bucket is full again; the next sweeps drop them.
        for (int i = 0; i < 2048; ++i) // one message every 6 s: what a bucket of 10 a minute earns
            QVERIFY(!usage.admitMessage(u"later"_s, kRemote, 60000 + i * 6000));
        QCOMPARE(usage.trackedBuckets(), 1);
    }
};

QTEST_GUILESS_MAIN(TstUsageLimits)
#include "tst_usagelimits.moc"
