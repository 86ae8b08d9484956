// RequestGuard: the answer the server gives before routing (421, 400, 403, preflight 204) and
// the CORS origin of the rest.

#include "server/RequestGuard.h"

#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;

class TstRequestGuard : public QObject {
    Q_OBJECT

private:
    static RequestGuard guard() {
        const HostPolicy hosts(u"127.0.0.1"_s, {});
        return RequestGuard(hosts,
                            OriginPolicy(hosts.names(), 8000, {u"https://chat.example.com"_s}));
    }
    static RequestGuard::Request request(std::optional<QByteArray> host,
                                         std::optional<QByteArray> origin = std::nullopt,
                                         bool webSocket = false, bool preflight = false) {
        return {std::move(host), std::move(origin), webSocket, preflight};
    }
    static QString errorCode(const HttpReply &reply) {
        return QJsonDocument::fromJson(reply.body)
            .object()
            .value(u"error"_s)
            .toObject()
            .value(u"code"_s)
            .toString();
    }
    static QByteArray header(const HttpReply &reply, const QByteArray &name) {
        for (const auto &[key, value] : reply.headers)
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        return {};
    }

private Q_SLOTS:
    void refusals_data() {
        QTest::addColumn<std::optional<QByteArray>>("host");
        QTest::addColumn<std::optional<QByteArray>>("origin");
        QTest::addColumn<bool>("webSocket");
        QTest::addColumn<bool>("preflight");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        using Host = std::optional<QByteArray>;
        const Host own = QByteArray("127.0.0.1:8000");
        QTest::newRow("rebinding Host") << Host("attacker.example:8000") << Host() << false << false
                                        << 421 << u"host_not_allowed"_s;
        QTest::newRow("rebinding Host, WebSocket")
            << Host("127.0.0.1.attacker.example") << Host("http://127.0.0.1.attacker.example")
            << true << false << 421 << u"host_not_allowed"_s;
        QTest::newRow("no Host") << Host() << Host() << false << false << 400 << u"bad_request"_s;
        QTest::newRow("foreign Origin, WebSocket") << own << Host("https://evil.example") << true
                                                   << false << 403 << u"origin_not_allowed"_s;
        QTest::newRow("null Origin, WebSocket")
            << own << Host("null") << true << false << 403 << u"origin_not_allowed"_s;
        QTest::newRow("another port, WebSocket") << own << Host("http://127.0.0.1:9999") << true
                                                 << false << 403 << u"origin_not_allowed"_s;
        QTest::newRow("preflight, unconfigured origin")
            << own << Host("https://evil.example") << false << true << 403
            << u"origin_not_allowed"_s;
        QTest::newRow("preflight, own origin") << own << Host("http://127.0.0.1:8000") << false
                                               << true << 403 << u"origin_not_allowed"_s;
    }
    void refusals() {
        QFETCH(std::optional<QByteArray>, host);
        QFETCH(std::optional<QByteArray>, origin);
        QFETCH(bool, webSocket);
        QFETCH(bool, preflight);
        QFETCH(int, status);
        QFETCH(QString, code);
        const RequestGuard::Verdict verdict =
            guard().check(request(host, origin, webSocket, preflight));
        QVERIFY(verdict.answer);
        QCOMPARE(verdict.answer->status, status);
        QCOMPARE(errorCode(*verdict.answer), code);
        QCOMPARE(header(*verdict.answer, "Connection"), QByteArray("close"));
        QVERIFY(header(*verdict.answer, "Access-Control-Allow-Origin").isEmpty());
        QVERIFY(verdict.logLine.contains(code));
        QVERIFY(verdict.corsOrigin.isEmpty());
    }

    void messagesSayWhatToConfigure() {
        const auto host = guard().check(request(QByteArray("attacker.example:8000")));
        QVERIFY2(host.answer->body.contains("allowed_hosts") &&
                     host.answer->body.contains("attacker.example:8000"),
                 host.answer->body.constData());
        const auto origin = guard().check(
            request(QByteArray("127.0.0.1:8000"), QByteArray("https://evil.example"), true));
        QVERIFY2(origin.answer->body.contains("RTAI_ALLOWED_ORIGINS") &&
                     origin.answer->body.contains("https://evil.example"),
                 origin.answer->body.constData());
        // What the client sent is quoted printable and bounded.
        const auto junk = guard().check(request(QByteArray("127.0.0.1:8000"),
                                                QByteArray(QByteArray(500, 'x') + "\t\x01"), true));
        QVERIFY(!junk.logLine.contains(u'\t'));
        QVERIFY(junk.logLine.size() < 500);
    }

    void accepted_data() {
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<std::optional<QByteArray>>("origin");
        QTest::addColumn<bool>("webSocket");
        using Origin = std::optional<QByteArray>;
        QTest::newRow("127.0.0.1") << QByteArray("127.0.0.1:8000") << Origin() << false;
        QTest::newRow("localhost") << QByteArray("localhost:8000") << Origin() << false;
        QTest::newRow("[::1]") << QByteArray("[::1]:8000") << Origin() << false;
        QTest::newRow("WebSocket, no Origin") << QByteArray("127.0.0.1:8000") << Origin() << true;
        QTest::newRow("WebSocket, own origin")
            << QByteArray("127.0.0.1:8000") << Origin("http://127.0.0.1:8000") << true;
        QTest::newRow("WebSocket, configured origin")
            << QByteArray("127.0.0.1:8000") << Origin("https://chat.example.com") << true;
        // REST from a foreign page: answered (the browser keeps the answer from the page).
        QTest::newRow("REST, foreign origin")
            << QByteArray("127.0.0.1:8000") << Origin("https://evil.example") << false;
    }
    void accepted() {
        QFETCH(QByteArray, host);
        QFETCH(std::optional<QByteArray>, origin);
        QFETCH(bool, webSocket);
        const RequestGuard::Verdict verdict = guard().check(request(host, origin, webSocket));
        QVERIFY(!verdict.answer);
        QVERIFY(verdict.logLine.isEmpty());
        QVERIFY(verdict.corsOrigin.isEmpty());
    }

    void configuredOriginGetsCors() {
        const RequestGuard::Verdict rest = guard().check(
            request(QByteArray("127.0.0.1:8000"), QByteArray("https://chat.example.com")));
        QVERIFY(!rest.answer);
        QCOMPARE(rest.corsOrigin, QByteArray("https://chat.example.com"));
        QCOMPARE(
            RequestGuard::corsHeaders(rest.corsOrigin),
            (QList<QPair<QByteArray, QByteArray>>{
                {"Access-Control-Allow-Origin", "https://chat.example.com"}, {"Vary", "Origin"}}));

        const RequestGuard::Verdict preflight = guard().check(request(
            QByteArray("127.0.0.1:8000"), QByteArray("https://chat.example.com"), false, true));
        QVERIFY(preflight.answer);
        QCOMPARE(preflight.answer->status, 204);
        QVERIFY(preflight.answer->body.isEmpty());
        QVERIFY(preflight.logLine.isEmpty());
        QCOMPARE(header(*preflight.answer, "Access-Control-Allow-Origin"),
                 QByteArray("https://chat.example.com"));
        QCOMPARE(header(*preflight.answer, "Vary"), QByteArray("Origin"));
        QCOMPARE(header(*preflight.answer, "Access-Control-Allow-Methods"),
                 QByteArray("GET, PATCH, DELETE"));
        QCOMPARE(header(*preflight.answer, "Access-Control-Allow-Headers"),
                 QByteArray("Authorization, Content-Type"));
        QVERIFY(header(*preflight.answer, "Access-Control-Max-Age").toInt() > 0);
        QVERIFY(!preflight.answer->serialize().contains("Content-Length"));
    }

    void nonLoopbackWithoutAllowedHostsChecksNoHost() {
        const HostPolicy hosts(u"0.0.0.0"_s, {});
        const RequestGuard open(hosts, OriginPolicy(hosts.names(), 8000, {}));
        QVERIFY(!open.check(request(QByteArray("192.168.1.5:8000"))).answer);
        QVERIFY(!open.check(request(std::nullopt)).answer);
        // Origins are still checked.
        QCOMPARE(open.check(request(QByteArray("192.168.1.5:8000"),
                                    QByteArray("https://evil.example"), true))
                     .answer->status,
                 403);
    }
};

QTEST_GUILESS_MAIN(TstRequestGuard)
#include "tst_requestguard.moc"
