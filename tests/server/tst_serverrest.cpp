// The REST routes, health, readiness, metrics and static pages of PROTOCOL.md over real HTTP.

#include "ServerTestSupport.h"
#include "core/Timestamps.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QTimeZone>

using namespace Qt::StringLiterals;

class TstServerRest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<InProcessServer> server;
    QList<QUuid> adaSessions; // newest first
    QUuid bobSession;
    QDateTime base = QDateTime(QDate(2026, 1, 10), QTime(12, 0), Qt::UTC);

    QByteArray withPort(QByteArray text) const {
        return text.replace("PORT", QByteArray::number(server->url().port()));
    }
    TestHttp::Response get(const QString &path) { return TestHttp::get(server->httpUrl(path)); }
    TestHttp::Response patch(const QString &path, const QByteArray &body) {
        return TestHttp::request(QByteArrayLiteral("PATCH"), server->httpUrl(path),
                                 {{"Content-Type", "application/json"}}, 10000, body);
    }
    static QStringList ids(const QJsonObject &page) {
        QStringList result;
        for (const QJsonValue &session : page.value(u"sessions"_s).toArray())
            result << session.toObject().value(u"session_id"_s).toString();
        return result;
    }
    void expectError(const TestHttp::Response &response, int status, const QString &code) {
        QCOMPARE(response.status, status);
        const QJsonObject error = response.json().value(u"error"_s).toObject();
        QCOMPARE(error.value(u"code"_s).toString(), code);
        QVERIFY(!error.value(u"message"_s).toString().isEmpty());
    }

private Q_SLOTS:
    void initTestCase() {
        server = std::make_unique<InProcessServer>();
        server->config.allowedOrigins = {u"https://chat.example.com"_s};
        QVERIFY(server->start());
        Database *db = server->db();
        // Five ended sessions of ada, one minute apart, and one active session of bob.
        QList<QUuid> created;
        for (int i = 0; i < 5; ++i) {
            const QUuid id = QUuid::createUuid();
            db->createSession(id, u"ada"_s, base.addSecs(60 * i));
            db->appendEvent(Event::make(id, EventType::UserMessage, u"q%1"_s.arg(i)));
            db->appendEvent(Event::make(id, EventType::AssistantMessage, u"a%1"_s.arg(i)));
            db->endSession(id, base.addSecs(60 * i + 30));
            db->setSummary(id, u"summary %1"_s.arg(i));
            created.prepend(id);
        }
        adaSessions = created;
        bobSession = QUuid::createUuid();
        db->createSession(bobSession, u"bob"_s, base.addSecs(3600));
        for (int i = 0; i < 7; ++i)
            db->appendEvent(Event::make(bobSession, EventType::UserMessage, u"m%1"_s.arg(i)));
        awaitVoid(db->flush());
    }
    void cleanupTestCase() { server.reset(); }

    void listSessions() {
        const TestHttp::Response response = get(u"/api/sessions?user_id=ada"_s);
        QCOMPARE(response.status, 200);
        QVERIFY(response.header("Content-Type").startsWith("application/json"));
        const QJsonObject page = response.json();
        QCOMPARE(ids(page).size(), 5);
        QCOMPARE(ids(page).first(), Ids::toText(adaSessions.first()));
        const QJsonObject newest = page.value(u"sessions"_s).toArray().first().toObject();
        QCOMPARE(newest.value(u"user_id"_s).toString(), u"ada"_s);
        QCOMPARE(newest.value(u"status"_s).toString(), u"ended"_s);
        QCOMPARE(newest.value(u"summary"_s).toString(), u"summary 4"_s);
        QCOMPARE(newest.value(u"message_count"_s).toInt(), 2);
        QCOMPARE(Timestamps::fromIso(newest.value(u"start_time"_s).toString()), base.addSecs(240));
        QCOMPARE(Timestamps::fromIso(newest.value(u"end_time"_s).toString()), base.addSecs(270));
        QVERIFY(page.value(u"next_before"_s).isNull());
    }

    void paging() {
        QStringList seen;
        QString path = u"/api/sessions?user_id=ada&limit=2"_s;
        for (int pageNumber = 0; pageNumber < 3; ++pageNumber) {
            const QJsonObject page = get(path).json();
            seen += ids(page);
            const QJsonValue next = page.value(u"next_before"_s);
            if (pageNumber < 2) {
                QVERIFY(next.isString());
                path = u"/api/sessions?user_id=ada&limit=2&before="_s +
                       QString::fromUtf8(QUrl::toPercentEncoding(next.toString()));
            } else {
                QVERIFY(next.isNull());
            }
        }
        QStringList expected;
        for (const QUuid &id : adaSessions)
            expected << Ids::toText(id);
        QCOMPARE(seen, expected);
    }

    void statusFilter() {
        QCOMPARE(ids(get(u"/api/sessions?status=active"_s).json()),
                 QStringList{Ids::toText(bobSession)});
        QCOMPARE(ids(get(u"/api/sessions?status=ended&user_id=bob"_s).json()), QStringList());
        const QJsonObject bob = get(u"/api/sessions?user_id=bob"_s)
                                    .json()
                                    .value(u"sessions"_s)
                                    .toArray()
                                    .first()
                                    .toObject();
        QCOMPARE(bob.value(u"status"_s).toString(), u"active"_s);
        QVERIFY(bob.value(u"end_time"_s).isNull());
        QVERIFY(bob.value(u"summary"_s).isNull());
    }

    void badListParameters_data() {
        QTest::addColumn<QString>("query");
        QTest::newRow("status") << u"status=open"_s;
        QTest::newRow("limit zero") << u"limit=0"_s;
        QTest::newRow("limit huge") << u"limit=100000"_s;
        QTest::newRow("limit text") << u"limit=ten"_s;
        QTest::newRow("before") << u"before=yesterday"_s;
        QTest::newRow("user empty") << u"user_id="_s;
        QTest::newRow("user with NUL") << u"user_id=a%00"_s;
        QTest::newRow("user with tab") << u"user_id=a%09b"_s;
    }
    void badListParameters() {
        QFETCH(QString, query);
        expectError(get(u"/api/sessions?"_s + query), 400, u"bad_request"_s);
    }

    void oneSession() {
        const TestHttp::Response response = get(u"/api/sessions/"_s + Ids::toText(bobSession));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json().value(u"session_id"_s).toString(), Ids::toText(bobSession));
        QCOMPARE(response.json().value(u"message_count"_s).toInt(), 7);
        expectError(get(u"/api/sessions/"_s + Ids::toText(QUuid::createUuid())), 404,
                    u"not_found"_s);
        expectError(get(u"/api/sessions/12345"_s), 400, u"bad_request"_s);
    }

    void events() {
        const QString path = u"/api/sessions/"_s + Ids::toText(bobSession) + u"/events"_s;
        const QJsonArray all = get(path).json().value(u"events"_s).toArray();
        QCOMPARE(all.size(), 7);
        const QJsonObject first = all.first().toObject();
        QCOMPARE(first.value(u"event_type"_s).toString(), EventType::UserMessage);
        QCOMPARE(first.value(u"content"_s).toString(), u"m0"_s);
        QVERIFY(first.value(u"metadata"_s).isObject());
        QVERIFY(Timestamps::fromIso(first.value(u"created_at"_s).toString()).isValid());

        const qint64 thirdId = all.at(2).toObject().value(u"id"_s).toInteger();
        const QJsonArray page =
            get(path + u"?after_id=%1&limit=3"_s.arg(thirdId)).json().value(u"events"_s).toArray();
        QCOMPARE(page.size(), 3);
        QCOMPARE(page.at(0).toObject().value(u"content"_s).toString(), u"m3"_s);
        QCOMPARE(page.at(2).toObject().value(u"content"_s).toString(), u"m5"_s);

        expectError(get(path + u"?after_id=-1"_s), 400, u"bad_request"_s);
        expectError(get(path + u"?limit=abc"_s), 400, u"bad_request"_s);
        expectError(get(u"/api/sessions/"_s + Ids::toText(QUuid::createUuid()) + u"/events"_s), 404,
                    u"not_found"_s);
    }

    // Titles come from the first user message, then from the summary (initTestCase's sessions
    // have both); a rename replaces it and is kept.
    void titles() {
        const QString path = u"/api/sessions/"_s + Ids::toText(adaSessions.first());
        QCOMPARE(get(path).json().value(u"title"_s).toString(), u"summary 4"_s);
        QCOMPARE(get(u"/api/sessions/"_s + Ids::toText(bobSession)).json().value(u"title"_s),
                 QJsonValue(u"m0"_s));
        const TestHttp::Response renamed =
            patch(path, QByteArrayLiteral(R"({"title": "  Trip to\n<b>Rome</b> "})"));
        QCOMPARE(renamed.status, 200);
        QCOMPARE(renamed.json().value(u"title"_s).toString(), u"Trip to <b>Rome</b>"_s);
        QCOMPARE(renamed.json().value(u"session_id"_s).toString(),
                 Ids::toText(adaSessions.first()));
        QCOMPARE(get(path).json().value(u"title"_s).toString(), u"Trip to <b>Rome</b>"_s);
        const QJsonArray listed =
            get(u"/api/sessions?user_id=ada"_s).json().value(u"sessions"_s).toArray();
        QCOMPARE(listed.first().toObject().value(u"title"_s).toString(), u"Trip to <b>Rome</b>"_s);
        // A later summary keeps the user's title.
        server->db()->setSummary(adaSessions.first(), u"A new summary."_s);
        QCOMPARE(get(path).json().value(u"title"_s).toString(), u"Trip to <b>Rome</b>"_s);
        QCOMPARE(get(path).json().value(u"summary"_s).toString(), u"A new summary."_s);
    }

    void badRenames_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("says");
        QTest::newRow("empty body") << QByteArray() << u"title"_s;
        QTest::newRow("not JSON") << QByteArray("Rome") << u"title"_s;
        QTest::newRow("array") << QByteArray(R"(["Rome"])") << u"title"_s;
        QTest::newRow("no title") << QByteArray(R"({"name": "Rome"})") << u"title"_s;
        QTest::newRow("number") << QByteArray(R"({"title": 7})") << u"title"_s;
        QTest::newRow("blank") << QByteArray(R"({"title": "  \t "})") << u"empty"_s;
        QTest::newRow("too long") << (R"({"title": ")" + QByteArray(121, 'x') + R"("})")
                                  << u"at most 120"_s;
        QTest::newRow("control") << QByteArray(R"({"title": "a\u0007b"})")
                                 << u"control character"_s;
        QTest::newRow("huge body")
            << (R"({"title": ")" + QByteArray(5000, 'x') + R"("})") << u"at most 4096 bytes"_s;
    }
    void badRenames() {
        QFETCH(QByteArray, body);
        QFETCH(QString, says);
        const QString path = u"/api/sessions/"_s + Ids::toText(adaSessions.at(1));
        const QString before = get(path).json().value(u"title"_s).toString();
        const TestHttp::Response response = patch(path, body);
        expectError(response, 400, u"bad_request"_s);
        const QString message = response.json().value(u"error"_s)[u"message"_s].toString();
        QVERIFY2(message.contains(says), qPrintable(message));
        QCOMPARE(get(path).json().value(u"title"_s).toString(), before);
    }

    void renameUnknownSession() {
        expectError(patch(u"/api/sessions/"_s + Ids::toText(QUuid::createUuid()),
                          QByteArrayLiteral(R"({"title": "x"})")),
                    404, u"not_found"_s);
        expectError(patch(u"/api/sessions/12345"_s, QByteArrayLiteral(R"({"title": "x"})")), 400,
                    u"bad_request"_s);
        const TestHttp::Response wrong = patch(u"/api/sessions"_s, QByteArrayLiteral("{}"));
        expectError(wrong, 405, u"method_not_allowed"_s);
        QCOMPARE(wrong.header("Allow"), QByteArray("GET"));
        const TestHttp::Response post =
            TestHttp::request(QByteArrayLiteral("POST"),
                              server->httpUrl(u"/api/sessions/"_s + Ids::toText(bobSession)));
        QCOMPARE(post.status, 405);
        QCOMPARE(post.header("Allow"), QByteArray("GET, PATCH, DELETE"));
    }

    void deleteSession() {
        const QUuid id = adaSessions.last();
        const QUrl url = server->httpUrl(u"/api/sessions/"_s + Ids::toText(id));
        QCOMPARE(TestHttp::request(QByteArrayLiteral("DELETE"), url).status, 200);
        QCOMPARE(TestHttp::get(url).status, 404);
        QVERIFY(server->events(id).isEmpty());
        expectError(TestHttp::request(QByteArrayLiteral("DELETE"), url), 404, u"not_found"_s);
        adaSessions.removeLast();
    }

    void deleteLiveSessionIsRefused() {
        const QUuid id = QUuid::createUuid();
        WsTestClient client;
        QVERIFY(client.open(server->wsUrl(id, u"zoe"_s)));
        QCOMPARE(client.waitFor().value(u"type"_s).toString(), u"session"_s);
        const QUrl url = server->httpUrl(u"/api/sessions/"_s + Ids::toText(id));
        expectError(TestHttp::request(QByteArrayLiteral("DELETE"), url), 409, u"conflict"_s);
        QVERIFY(client.isConnected());
        client.close();
    }

    void unknownRoutesAndMethods() {
        expectError(get(u"/api/nothing"_s), 404, u"not_found"_s);
        expectError(get(u"/nope.html"_s), 404, u"not_found"_s);
        expectError(get(u"/assets/../../etc/passwd"_s), 404, u"not_found"_s);
        expectError(
            TestHttp::request(QByteArrayLiteral("POST"), server->httpUrl(u"/api/sessions"_s)), 405,
            u"method_not_allowed"_s);
        expectError(TestHttp::request(QByteArrayLiteral("PUT"), server->httpUrl(u"/healthz"_s)),
                    405, u"method_not_allowed"_s);
        expectError(get(u"/ws/session/"_s + Ids::toText(QUuid::createUuid())), 426,
                    u"upgrade_required"_s);
    }

    // DNS rebinding: a page whose name resolves to 127.0.0.1 sends its own name as Host; the
    // server, bound to loopback, answers only its own names.
    void hosts_data() {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("host"); // PORT: the server's; empty: no Host header
        QTest::addColumn<int>("status");
        const QByteArray getMethod = "GET", deleteMethod = "DELETE";
        QTest::newRow("127.0.0.1") << getMethod << QByteArray("127.0.0.1:PORT") << 200;
        QTest::newRow("localhost") << getMethod << QByteArray("localhost:PORT") << 200;
        QTest::newRow("[::1]") << getMethod << QByteArray("[::1]:PORT") << 200;
        QTest::newRow("LOCALHOST, another port") << getMethod << QByteArray("LOCALHOST:1") << 200;
        QTest::newRow("attacker.example")
            << getMethod << QByteArray("attacker.example:PORT") << 421;
        QTest::newRow("127.0.0.1.attacker.example")
            << getMethod << QByteArray("127.0.0.1.attacker.example") << 421;
        QTest::newRow("DELETE from attacker.example")
            << deleteMethod << QByteArray("attacker.example:PORT") << 421;
        QTest::newRow("no Host") << getMethod << QByteArray() << 400;
    }
    void hosts() {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, host);
        QFETCH(int, status);
        host.replace("PORT", QByteArray::number(server->url().port()));
        if (status != 200)
            QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"refused \\(%1 "_s.arg(status)));
        const QByteArray path = method == "DELETE"
                                    ? "/api/sessions/" + Ids::toText(adaSessions.last()).toLatin1()
                                    : QByteArray("/api/sessions?user_id=ada");
        QByteArray request = method + ' ' + path + " HTTP/1.1\r\n";
        if (!host.isEmpty())
            request += "Host: " + host + "\r\n";
        const TestHttp::Response response = TestHttp::raw(server->url().port(), request + "\r\n");
        QCOMPARE(response.status, status);
        if (status == 200) {
            QCOMPARE(ids(response.json()).size(), adaSessions.size());
            return;
        }
        const QJsonObject error = response.json().value(u"error"_s).toObject();
        QCOMPARE(error.value(u"code"_s).toString(),
                 status == 421 ? u"host_not_allowed"_s : u"bad_request"_s);
        QVERIFY(!error.value(u"message"_s).toString().isEmpty());
        QVERIFY(response.body.contains(status == 421 ? "allowed_hosts" : "Host"));
        QVERIFY(server->session(adaSessions.last())); // nothing was deleted
    }

    // CORS: none by default; a configured origin gets Access-Control-Allow-Origin and answered
    // preflights, any other gets no CORS headers and a refused preflight.
    void cors() {
        const QUrl url = server->httpUrl(u"/api/sessions?user_id=ada"_s);
        const TestHttp::Response plain = TestHttp::get(url);
        QCOMPARE(plain.status, 200);
        QVERIFY(plain.header("Access-Control-Allow-Origin").isEmpty());

        const QByteArray allowed = "https://chat.example.com";
        const TestHttp::Response configured = TestHttp::get(url, {{"Origin", allowed}});
        QCOMPARE(configured.status, 200);
        QCOMPARE(configured.header("Access-Control-Allow-Origin"), allowed);
        QCOMPARE(configured.header("Vary"), QByteArray("Origin"));
        QCOMPARE(ids(configured.json()).size(), adaSessions.size());

        for (const QByteArray &origin :
             {QByteArray("https://evil.example"), withPort("http://127.0.0.1:PORT")}) {
            const TestHttp::Response other = TestHttp::get(url, {{"Origin", origin}});
            QCOMPARE(other.status, 200);
            QVERIFY(other.header("Access-Control-Allow-Origin").isEmpty());
            QVERIFY(other.header("Vary").isEmpty());
        }

        const QUrl sessionUrl =
            server->httpUrl(u"/api/sessions/"_s + Ids::toText(adaSessions.first()));
        const QList<QPair<QByteArray, QByteArray>> preflightHeaders = {
            {"Access-Control-Request-Method", "DELETE"},
            {"Access-Control-Request-Headers", "authorization"}};
        const TestHttp::Response preflight = TestHttp::request(
            "OPTIONS", sessionUrl,
            QList<QPair<QByteArray, QByteArray>>{{"Origin", allowed}} + preflightHeaders);
        QCOMPARE(preflight.status, 204);
        QCOMPARE(preflight.header("Access-Control-Allow-Origin"), allowed);
        QCOMPARE(preflight.header("Vary"), QByteArray("Origin"));
        QCOMPARE(preflight.header("Access-Control-Allow-Methods"),
                 QByteArray("GET, PATCH, DELETE"));
        QCOMPARE(preflight.header("Access-Control-Allow-Headers"),
                 QByteArray("Authorization, Content-Type"));
        QVERIFY(preflight.header("Access-Control-Max-Age").toInt() > 0);
        QVERIFY(preflight.body.isEmpty());

        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"refused \\(403 "_s));
        const TestHttp::Response refused = TestHttp::request(
            "OPTIONS", sessionUrl,
            QList<QPair<QByteArray, QByteArray>>{{"Origin", "https://evil.example"}} +
                preflightHeaders);
        expectError(refused, 403, u"origin_not_allowed"_s);
        QVERIFY(refused.header("Access-Control-Allow-Origin").isEmpty());
        QVERIFY(server->session(adaSessions.first())); // still there
    }

    void health() {
        const TestHttp::Response health = get(u"/healthz"_s);
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json().value(u"status"_s).toString(), u"ok"_s);
        // Ready once the first check of the LLM server answered.
        QTRY_COMPARE(get(u"/readyz"_s).status, 200);
        const TestHttp::Response ready = get(u"/readyz"_s);
        QCOMPARE(ready.json().value(u"status"_s).toString(), u"ready"_s);
        const QJsonObject llm = ready.json().value(u"llm"_s).toObject();
        QCOMPARE(llm.value(u"ready"_s).toBool(), true);
        QCOMPARE(llm.value(u"reachable"_s).toBool(), true);
        QVERIFY(llm.value(u"checked_ago_s"_s).toInt(-1) >= 0);
        // The lease of this instance, registered when the database opened.
        const QJsonObject instance = ready.json().value(u"instance"_s).toObject();
        QCOMPARE(instance.value(u"id"_s).toString(), server->db()->instanceId());
        QVERIFY(!server->db()->instanceId().isEmpty());
        QCOMPARE(instance.value(u"lease_held"_s), QJsonValue(true));
        const double age = instance.value(u"lease_age_ms"_s).toDouble(-1);
        QVERIFY2(age >= 0 && age < server->db()->lease().expiryMs,
                 qPrintable(QString::number(age)));
    }

    void notReadyWithoutLlm() {
        InProcessServer other;
        other.configureWithoutLlm();
        QVERIFY(other.start());
        const TestHttp::Response ready = TestHttp::get(other.httpUrl(u"/readyz"_s));
        QCOMPARE(ready.status, 503);
        const QJsonArray reasons = ready.json().value(u"reasons"_s).toArray();
        QCOMPARE(reasons.size(), 1);
        QVERIFY(reasons.first().toString().startsWith(u"llm:"_s));
        const QJsonObject llm = ready.json().value(u"llm"_s).toObject();
        QCOMPARE(llm.value(u"ready"_s).toBool(true), false);
        QVERIFY(llm.value(u"reachable"_s).isNull()); // nothing to check
        QVERIFY(llm.value(u"checked_ago_s"_s).isNull());
        QCOMPARE(TestHttp::get(other.httpUrl(u"/healthz"_s)).status, 200);
    }

    void webClient() {
        const TestHttp::Response page = get(u"/"_s);
        QCOMPARE(page.status, 200);
        QVERIFY(page.header("Content-Type").startsWith("text/html"));
        QVERIFY(page.body.contains("<html") || page.body.contains("<!doctype") ||
                page.body.contains("<!DOCTYPE"));
    }

    void metricsFormat() {
        const TestHttp::Response metrics = get(u"/metrics"_s);
        QCOMPARE(metrics.status, 200);
        for (const char *name :
             {"rtai_active_sessions", "rtai_websocket_connections", "rtai_turns_total",
              "rtai_ttft_seconds", "rtai_tokens_streamed_total", "rtai_tool_calls_total",
              "rtai_llm_errors_total", "rtai_database_queue_depth"})
            QVERIFY2(metrics.body.contains(QByteArray(QByteArray("# TYPE ") + name)), name);
        QVERIFY(metrics.body.contains("rtai_http_requests_total{status=\"200\"}"));
        const QByteArray info =
            "rtai_instance_info{instance_id=\"" + server->db()->instanceId().toUtf8() + "\"} 1\n";
        QVERIFY2(metrics.body.contains(info), info.constData());
        QVERIFY(metrics.body.contains("# TYPE rtai_owned_sessions gauge"));
    }
};

QTEST_GUILESS_MAIN(TstServerRest)
#include "tst_serverrest.moc"
