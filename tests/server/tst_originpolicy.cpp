// OriginPolicy: which pages may open a WebSocket, and which origins get CORS answers.

#include "server/OriginPolicy.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TstOriginPolicy : public QObject {
    Q_OBJECT

private:
    static OriginPolicy loopbackPolicy() {
        return OriginPolicy({u"localhost"_s, u"127.0.0.1"_s, u"[::1]"_s}, 8000,
                            {u"https://Chat.Example.com/"_s, u"http://127.0.0.1:3000"_s});
    }

private Q_SLOTS:
    void normalize_data() {
        QTest::addColumn<QString>("origin");
        QTest::addColumn<QString>("normalized");
        QTest::newRow("as browsers send it")
            << u"http://127.0.0.1:8000"_s << u"http://127.0.0.1:8000"_s;
        QTest::newRow("case, default port, slash")
            << u"HTTP://Example.COM:80/"_s << u"http://example.com"_s;
        QTest::newRow("https default port") << u"https://a.example:443"_s << u"https://a.example"_s;
        QTest::newRow("ipv6") << u"http://[::1]:8000"_s << u"http://[::1]:8000"_s;
        QTest::newRow("null") << u"null"_s << QString();
        QTest::newRow("file") << u"file://"_s << QString();
        QTest::newRow("other scheme") << u"chrome-extension://abc"_s << QString();
        QTest::newRow("path") << u"http://a.example/x"_s << QString();
        QTest::newRow("query") << u"http://a.example?x"_s << QString();
        QTest::newRow("userinfo") << u"http://u@a.example"_s << QString();
        QTest::newRow("list") << u"http://a.example, http://b.example"_s << QString();
        QTest::newRow("empty") << QString() << QString();
    }
    void normalize() {
        QFETCH(QString, origin);
        QFETCH(QString, normalized);
        QCOMPARE(OriginPolicy::normalize(origin), normalized);
    }

    void webSocket_data() {
        QTest::addColumn<QByteArray>("origin");
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<bool>("allowed");
        const QByteArray host = "127.0.0.1:8000";
        QTest::newRow("own origin") << QByteArray("http://127.0.0.1:8000") << host << true;
        QTest::newRow("own origin, another name")
            << QByteArray("http://localhost:8000") << host << true;
        QTest::newRow("own origin, ipv6") << QByteArray("http://[::1]:8000") << host << true;
        QTest::newRow("configured") << QByteArray("https://chat.example.com") << host << true;
        QTest::newRow("configured 127.0.0.1 port")
            << QByteArray("http://127.0.0.1:3000") << host << true;
        QTest::newRow("foreign site") << QByteArray("https://evil.example") << host << false;
        QTest::newRow("null") << QByteArray("null") << host << false;
        QTest::newRow("another 127.0.0.1 port")
            << QByteArray("http://127.0.0.1:9999") << host << false;
        QTest::newRow("another localhost port")
            << QByteArray("http://localhost:8001") << host << false;
        QTest::newRow("page of the forwarded port it came through")
            << QByteArray("http://localhost:9000") << QByteArray("localhost:9000") << true;
        QTest::newRow("same host, another port")
            << QByteArray("http://localhost:9001") << QByteArray("localhost:9000") << false;
        QTest::newRow("empty Origin") << QByteArray("") << host << false;
    }
    void webSocket() {
        QFETCH(QByteArray, origin);
        QFETCH(QByteArray, host);
        QFETCH(bool, allowed);
        QCOMPARE(loopbackPolicy().allowsWebSocket(origin, host), allowed);
    }

    void noOriginIsNotABrowser() {
        QVERIFY(loopbackPolicy().allowsWebSocket(std::nullopt, "127.0.0.1:8000"));
        QVERIFY(loopbackPolicy().allowsWebSocket(std::nullopt, std::nullopt));
    }

    void wildcardBindAcceptsThePageOfTheHostItWasReachedAs() {
        const OriginPolicy policy({u"localhost"_s, u"127.0.0.1"_s, u"[::1]"_s}, 8000, {});
        QVERIFY(policy.allowsWebSocket("http://192.168.1.5:8000", "192.168.1.5:8000"));
        QVERIFY(policy.allowsWebSocket("https://chat.example.com", "chat.example.com"));
        QVERIFY(!policy.allowsWebSocket("https://evil.example", "192.168.1.5:8000"));
        QVERIFY(!policy.allowsWebSocket("http://192.168.1.5:8000", std::nullopt));
    }

    void corsOnlyForConfiguredOrigins() {
        const OriginPolicy policy = loopbackPolicy();
        QVERIFY(policy.isConfigured("https://chat.example.com"));
        QVERIFY(policy.isConfigured("http://127.0.0.1:3000"));
        QVERIFY(!policy.isConfigured("http://127.0.0.1:8000")); // own: same-origin, no CORS
        QVERIFY(!policy.isConfigured("https://evil.example"));
        QVERIFY(!policy.isConfigured("null"));
        QVERIFY(!OriginPolicy().isConfigured("https://chat.example.com"));
    }
};

QTEST_GUILESS_MAIN(TstOriginPolicy)
#include "tst_originpolicy.moc"
