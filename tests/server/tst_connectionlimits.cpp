#include "server/ConnectionLimits.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TstConnectionLimits : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void refusesOverTheCapAndAdmitsAgainAfterARelease() {
        ConnectionLimits limits(2, 0);
        const QHostAddress peer(u"192.0.2.7"_s);
        QVERIFY(limits.admit(peer));
        QVERIFY(limits.admit(peer));
        QVERIFY(!limits.admit(peer));
        QCOMPARE(limits.count(peer), 2);
        QVERIFY(limits.admit(QHostAddress(u"192.0.2.8"_s)));
        QCOMPARE(limits.total(), 3);
        limits.release(peer);
        QVERIFY(limits.admit(peer));
        QVERIFY(!limits.admit(peer));
    }

    void loopbackHasItsOwnCap() {
        ConnectionLimits limits(1, 3);
        const QHostAddress loopback(QHostAddress::LocalHost);
        for (int i = 0; i < 3; ++i)
            QVERIFY(limits.admit(loopback));
        QVERIFY(!limits.admit(loopback));
        QVERIFY(limits.admit(QHostAddress(u"::1"_s)));
        QCOMPARE(limits.capFor(QHostAddress(u"::ffff:127.0.0.1"_s)), 3);
        QCOMPARE(limits.capFor(QHostAddress(u"2001:db8::1"_s)), 1);
    }

    void anIpv4PeerOnADualStackSocketIsItsIpv4Address() {
        ConnectionLimits limits(1, 1);
        QVERIFY(limits.admit(QHostAddress(u"::ffff:192.0.2.7"_s)));
        QVERIFY(!limits.admit(QHostAddress(u"192.0.2.7"_s)));
        QCOMPARE(ConnectionLimits::key(QHostAddress(u"::ffff:192.0.2.7"_s)), u"192.0.2.7"_s);
    }

    void zeroMeansNoCap() {
        ConnectionLimits limits(0, 0);
        for (int i = 0; i < 1000; ++i)
            QVERIFY(limits.admit(QHostAddress(u"192.0.2.7"_s)));
        QCOMPARE(limits.total(), 1000);
    }

    void releasingAnUnknownAddressChangesNothing() {
        ConnectionLimits limits(1, 1);
        limits.release(QHostAddress(u"192.0.2.9"_s));
        QCOMPARE(limits.total(), 0);
        QVERIFY(limits.admit(QHostAddress(u"192.0.2.9"_s)));
    }
};

QTEST_GUILESS_MAIN(TstConnectionLimits)
#include "tst_connectionlimits.moc"
