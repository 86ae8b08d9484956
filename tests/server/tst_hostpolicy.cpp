// HostPolicy: which Host headers the server answers (the DNS-rebinding defence).

#include "server/HostPolicy.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TstHostPolicy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void nameOf_data() {
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("port");
        QTest::newRow("name and port") << QByteArray("LocalHost:8000") << u"localhost"_s << 8000;
        QTest::newRow("no port") << QByteArray("127.0.0.1") << u"127.0.0.1"_s << -1;
        QTest::newRow("ipv6") << QByteArray("[::1]:8000") << u"[::1]"_s << 8000;
        QTest::newRow("ipv6 no port") << QByteArray("[::1]") << u"[::1]"_s << -1;
        QTest::newRow("spaces") << QByteArray(" example.com:80 ") << u"example.com"_s << 80;
        QTest::newRow("bare ipv6") << QByteArray("::1") << QString() << -1;
        QTest::newRow("empty port") << QByteArray("localhost:") << QString() << -1;
        QTest::newRow("port too big") << QByteArray("localhost:65536") << QString() << -1;
        QTest::newRow("signed port") << QByteArray("localhost:+80") << QString() << -1;
        QTest::newRow("userinfo") << QByteArray("a@localhost") << QString() << -1;
        QTest::newRow("path") << QByteArray("localhost/x") << QString() << -1;
        QTest::newRow("two hosts") << QByteArray("localhost, evil.example") << QString() << -1;
        QTest::newRow("empty") << QByteArray() << QString() << -1;
    }
    void nameOf() {
        QFETCH(QByteArray, host);
        QFETCH(QString, name);
        QFETCH(int, port);
        int parsedPort = 12345;
        QCOMPARE(HostPolicy::nameOf(host, &parsedPort), name);
        if (!name.isEmpty())
            QCOMPARE(parsedPort, port);
    }

    void isLoopback() {
        QVERIFY(HostPolicy::isLoopback(u"127.0.0.1"_s));
        QVERIFY(HostPolicy::isLoopback(u"127.0.0.5"_s));
        QVERIFY(HostPolicy::isLoopback(u"::1"_s));
        QVERIFY(HostPolicy::isLoopback(u"localhost"_s));
        QVERIFY(!HostPolicy::isLoopback(u"0.0.0.0"_s));
        QVERIFY(!HostPolicy::isLoopback(u"::"_s));
        QVERIFY(!HostPolicy::isLoopback(u"192.168.1.5"_s));
    }

    void loopbackBind_data() {
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<int>("verdict");
        const int allowed = int(HostPolicy::Verdict::Allowed);
        const int foreign = int(HostPolicy::Verdict::Foreign);
        QTest::newRow("127.0.0.1:port") << QByteArray("127.0.0.1:8000") << allowed;
        QTest::newRow("localhost, other port") << QByteArray("localhost:9999") << allowed;
        QTest::newRow("LOCALHOST") << QByteArray("LOCALHOST") << allowed;
        QTest::newRow("[::1]") << QByteArray("[::1]:8000") << allowed;
        QTest::newRow("allowed host") << QByteArray("Chat.Example.com:8000") << allowed;
        QTest::newRow("rebinding") << QByteArray("attacker.example:8000") << foreign;
        QTest::newRow("rebinding suffix") << QByteArray("127.0.0.1.attacker.example") << foreign;
        QTest::newRow("localhost. (trailing dot)") << QByteArray("localhost.:8000") << foreign;
        QTest::newRow("other loopback address") << QByteArray("127.0.0.2:8000") << foreign;
        QTest::newRow("subdomain of allowed") << QByteArray("x.chat.example.com") << foreign;
        QTest::newRow("malformed") << QByteArray("localhost:8000:1") << foreign;
        QTest::newRow("empty") << QByteArray("") << foreign;
    }
    void loopbackBind() {
        QFETCH(QByteArray, host);
        QFETCH(int, verdict);
        const HostPolicy policy(u"127.0.0.1"_s, {u"chat.example.com"_s});
        QVERIFY(policy.enforced());
        QCOMPARE(int(policy.check(host)), verdict);
    }

    void missingHost() {
        const HostPolicy policy;
        QVERIFY(policy.check(std::nullopt) == HostPolicy::Verdict::Missing);
    }

    void configuredLoopbackAddressAndIpv6AreOwnNames() {
        QVERIFY(HostPolicy(u"127.0.0.5"_s, {}).check("127.0.0.5:8000") ==
                HostPolicy::Verdict::Allowed);
        const HostPolicy ipv6(u"::1"_s, {u"::1"_s, u"fe80::1"_s});
        QCOMPARE(ipv6.names(),
                 (QStringList{u"localhost"_s, u"127.0.0.1"_s, u"[::1]"_s, u"[fe80::1]"_s}));
    }

    void nonLoopbackBindChecksOnlyWithAllowedHosts() {
        const HostPolicy open(u"0.0.0.0"_s, {});
        QVERIFY(!open.enforced());
        QVERIFY(open.check("anything.example") == HostPolicy::Verdict::Allowed);
        QVERIFY(open.check(std::nullopt) == HostPolicy::Verdict::Allowed);

        const HostPolicy listed(u"0.0.0.0"_s, {u"chat.example.com"_s});
        QVERIFY(listed.enforced());
        QVERIFY(listed.check("chat.example.com") == HostPolicy::Verdict::Allowed);
        // A wildcard address listens on loopback too.
        QVERIFY(listed.check("127.0.0.1:8000") == HostPolicy::Verdict::Allowed);
        QVERIFY(listed.check("attacker.example") == HostPolicy::Verdict::Foreign);

        const HostPolicy specific(u"192.168.1.5"_s, {u"chat.example.com"_s});
        QVERIFY(specific.check("192.168.1.5:8000") == HostPolicy::Verdict::Allowed);
        QVERIFY(specific.check("localhost:8000") == HostPolicy::Verdict::Foreign);
    }
};

QTEST_GUILESS_MAIN(TstHostPolicy)
#include "tst_hostpolicy.moc"
