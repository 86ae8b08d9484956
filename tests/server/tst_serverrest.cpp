// The REST routes, health, readiness, metrics and static pages of PROTOCOL.md over real HTTP.

#include "ServerTestSupport.h"
#include "core/Timestamps.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"

#include <QJsonArray>
#include <QTimeZone>

class TstServerRest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<InProcessServer> server;
    QList<QUuid> adaSessions; // newest first
    QUuid bobSession;
    QDateTime base = QDateTime(QDate(2026, 1, 10), QTime(12, 0), Qt::UTC);

    TestHttp::Response get(const QString &path) { return TestHttp::get(server->httpUrl(path)); }
    static QStringList ids(const QJsonObject &page) {
        QStringList result;
        for (const QJsonValue &session : page.value(QStringLiteral("sessions")).toArray())
            result << session.toObject().value(QStringLiteral("session_id")).toString();
        return result;
    }
    void expectError(const TestHttp::Response &response, int status, const QString &code) {
        QCOMPARE(response.status, status);
        const QJsonObject error = response.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
        QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
    }

private Q_SLOTS:
    void initTestCase() {
        server = std::make_unique<InProcessServer>();
        QVERIFY(server->start());
        Database *db = server->db();
        // Five ended sessions of ada, one minute apart, and one active session of bob.
        QList<QUuid> created;
        for (int i = 0; i < 5; ++i) {
            const QUuid id = QUuid::createUuid();
            db->createSession(id, QStringLiteral("ada"), base.addSecs(60 * i));
            db->appendEvent(Event::make(id, EventType::UserMessage, QStringLiteral("q%1").arg(i)));
            db->appendEvent(
                Event::make(id, EventType::AssistantMessage, QStringLiteral("a%1").arg(i)));
            db->endSession(id, base.addSecs(60 * i + 30));
            db->setSummary(id, QStringLiteral("summary %1").arg(i));
            created.prepend(id);
        }
        adaSessions = created;
        bobSession = QUuid::createUuid();
        db->createSession(bobSession, QStringLiteral("bob"), base.addSecs(3600));
        for (int i = 0; i < 7; ++i)
            db->appendEvent(
                Event::make(bobSession, EventType::UserMessage, QStringLiteral("m%1").arg(i)));
        awaitVoid(db->flush());
    }
    void cleanupTestCase() { server.reset(); }

    void listSessions() {
        const TestHttp::Response response = get(QStringLiteral("/api/sessions?user_id=ada"));
        QCOMPARE(response.status, 200);
        QVERIFY(response.header("Content-Type").startsWith("application/json"));
        const QJsonObject page = response.json();
        QCOMPARE(ids(page).size(), 5);
        QCOMPARE(ids(page).first(), Ids::toText(adaSessions.first()));
        const QJsonObject newest =
            page.value(QStringLiteral("sessions")).toArray().first().toObject();
        QCOMPARE(newest.value(QStringLiteral("user_id")).toString(), QStringLiteral("ada"));
        QCOMPARE(newest.value(QStringLiteral("status")).toString(), QStringLiteral("ended"));
        QCOMPARE(newest.value(QStringLiteral("summary")).toString(), QStringLiteral("summary 4"));
        QCOMPARE(newest.value(QStringLiteral("message_count")).toInt(), 2);
        QCOMPARE(Timestamps::fromIso(newest.value(QStringLiteral("start_time")).toString()),
                 base.addSecs(240));
        QCOMPARE(Timestamps::fromIso(newest.value(QStringLiteral("end_time")).toString()),
                 base.addSecs(270));
        QVERIFY(page.value(QStringLiteral("next_before")).isNull());
    }

    void paging() {
        QStringList seen;
        QString path = QStringLiteral("/api/sessions?user_id=ada&limit=2");
        for (int pageNumber = 0; pageNumber < 3; ++pageNumber) {
            const QJsonObject page = get(path).json();
            seen += ids(page);
            const QJsonValue next = page.value(QStringLiteral("next_before"));
            if (pageNumber < 2) {
                QVERIFY(next.isString());
                path = QStringLiteral("/api/sessions?user_id=ada&limit=2&before=") +
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
        QCOMPARE(ids(get(QStringLiteral("/api/sessions?status=active")).json()),
                 QStringList{Ids::toText(bobSession)});
        QCOMPARE(ids(get(QStringLiteral("/api/sessions?status=ended&user_id=bob")).json()),
                 QStringList());
        const QJsonObject bob = get(QStringLiteral("/api/sessions?user_id=bob"))
                                    .json()
                                    .value(QStringLiteral("sessions"))
                                    .toArray()
                                    .first()
                                    .toObject();
        QCOMPARE(bob.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
        QVERIFY(bob.value(QStringLiteral("end_time")).isNull());
        QVERIFY(bob.value(QStringLiteral("summary")).isNull());
    }

    void badListParameters_data() {
        QTest::addColumn<QString>("query");
        QTest::newRow("status") << QStringLiteral("status=open");
        QTest::newRow("limit zero") << QStringLiteral("limit=0");
        QTest::newRow("limit huge") << QStringLiteral("limit=100000");
        QTest::newRow("limit text") << QStringLiteral("limit=ten");
        QTest::newRow("before") << QStringLiteral("before=yesterday");
        QTest::newRow("user empty") << QStringLiteral("user_id=");
        QTest::newRow("user with NUL") << QStringLiteral("user_id=a%00");
        QTest::newRow("user with tab") << QStringLiteral("user_id=a%09b");
    }
    void badListParameters() {
        QFETCH(QString, query);
        expectError(get(QStringLiteral("/api/sessions?") + query), 400,
                    QStringLiteral("bad_request"));
    }

    void oneSession() {
        const TestHttp::Response response =
            get(QStringLiteral("/api/sessions/") + Ids::toText(bobSession));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json().value(QStringLiteral("session_id")).toString(),
                 Ids::toText(bobSession));
        QCOMPARE(response.json().value(QStringLiteral("message_count")).toInt(), 7);
        expectError(get(QStringLiteral("/api/sessions/") + Ids::toText(QUuid::createUuid())), 404,
                    QStringLiteral("not_found"));
        expectError(get(QStringLiteral("/api/sessions/12345")), 400, QStringLiteral("bad_request"));
    }

    void events() {
        const QString path =
            QStringLiteral("/api/sessions/") + Ids::toText(bobSession) + QStringLiteral("/events");
        const QJsonArray all = get(path).json().value(QStringLiteral("events")).toArray();
        QCOMPARE(all.size(), 7);
        const QJsonObject first = all.first().toObject();
        QCOMPARE(first.value(QStringLiteral("event_type")).toString(), EventType::UserMessage);
        QCOMPARE(first.value(QStringLiteral("content")).toString(), QStringLiteral("m0"));
        QVERIFY(first.value(QStringLiteral("metadata")).isObject());
        QVERIFY(
            Timestamps::fromIso(first.value(QStringLiteral("created_at")).toString()).isValid());

        const qint64 thirdId = all.at(2).toObject().value(QStringLiteral("id")).toInteger();
        const QJsonArray page = get(path + QStringLiteral("?after_id=%1&limit=3").arg(thirdId))
                                    .json()
                                    .value(QStringLiteral("events"))
                                    .toArray();
        QCOMPARE(page.size(), 3);
        QCOMPARE(page.at(0).toObject().value(QStringLiteral("content")).toString(),
                 QStringLiteral("m3"));
        QCOMPARE(page.at(2).toObject().value(QStringLiteral("content")).toString(),
                 QStringLiteral("m5"));

        expectError(get(path + QStringLiteral("?after_id=-1")), 400, QStringLiteral("bad_request"));
        expectError(get(path + QStringLiteral("?limit=abc")), 400, QStringLiteral("bad_request"));
        expectError(get(QStringLiteral("/api/sessions/") + Ids::toText(QUuid::createUuid()) +
                        QStringLiteral("/events")),
                    404, QStringLiteral("not_found"));
    }

    void deleteSession() {
        const QUuid id = adaSessions.last();
        const QUrl url = server->httpUrl(QStringLiteral("/api/sessions/") + Ids::toText(id));
        QCOMPARE(TestHttp::request(QByteArrayLiteral("DELETE"), url).status, 200);
        QCOMPARE(TestHttp::get(url).status, 404);
        QVERIFY(server->events(id).isEmpty());
        expectError(TestHttp::request(QByteArrayLiteral("DELETE"), url), 404,
                    QStringLiteral("not_found"));
        adaSessions.removeLast();
    }

    void deleteLiveSessionIsRefused() {
        const QUuid id = QUuid::createUuid();
        WsTestClient client;
        QVERIFY(client.open(server->wsUrl(id, QStringLiteral("zoe"))));
        QCOMPARE(client.waitFor().value(QStringLiteral("type")).toString(),
                 QStringLiteral("session"));
        const QUrl url = server->httpUrl(QStringLiteral("/api/sessions/") + Ids::toText(id));
        expectError(TestHttp::request(QByteArrayLiteral("DELETE"), url), 409,
                    QStringLiteral("conflict"));
        QVERIFY(client.isConnected());
        client.close();
    }

    void unknownRoutesAndMethods() {
        expectError(get(QStringLiteral("/api/nothing")), 404, QStringLiteral("not_found"));
        expectError(get(QStringLiteral("/nope.html")), 404, QStringLiteral("not_found"));
        expectError(get(QStringLiteral("/assets/../../etc/passwd")), 404,
                    QStringLiteral("not_found"));
        expectError(TestHttp::request(QByteArrayLiteral("POST"),
                                      server->httpUrl(QStringLiteral("/api/sessions"))),
                    405, QStringLiteral("method_not_allowed"));
        expectError(TestHttp::request(QByteArrayLiteral("PUT"),
                                      server->httpUrl(QStringLiteral("/healthz"))),
                    405, QStringLiteral("method_not_allowed"));
        expectError(get(QStringLiteral("/ws/session/") + Ids::toText(QUuid::createUuid())), 426,
                    QStringLiteral("upgrade_required"));
    }

    void health() {
        const TestHttp::Response health = get(QStringLiteral("/healthz"));
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        const TestHttp::Response ready = get(QStringLiteral("/readyz"));
        QCOMPARE(ready.status, 200);
        QCOMPARE(ready.json().value(QStringLiteral("status")).toString(), QStringLiteral("ready"));
    }

    void notReadyWithoutLlm() {
        InProcessServer other;
        other.configureWithoutLlm();
        QVERIFY(other.start());
        const TestHttp::Response ready = TestHttp::get(other.httpUrl(QStringLiteral("/readyz")));
        QCOMPARE(ready.status, 503);
        const QJsonArray reasons = ready.json().value(QStringLiteral("reasons")).toArray();
        QCOMPARE(reasons.size(), 1);
        QVERIFY(reasons.first().toString().startsWith(QStringLiteral("llm:")));
        QCOMPARE(TestHttp::get(other.httpUrl(QStringLiteral("/healthz"))).status, 200);
    }

    void webClient() {
        const TestHttp::Response page = get(QStringLiteral("/"));
        QCOMPARE(page.status, 200);
        QVERIFY(page.header("Content-Type").startsWith("text/html"));
        QVERIFY(page.body.contains("<html") || page.body.contains("<!doctype") ||
                page.body.contains("<!DOCTYPE"));
    }

    void metricsFormat() {
        const TestHttp::Response metrics = get(QStringLiteral("/metrics"));
        QCOMPARE(metrics.status, 200);
        for (const char *name :
             {"rtai_active_sessions", "rtai_websocket_connections", "rtai_turns_total",
              "rtai_ttft_seconds", "rtai_tokens_streamed_total", "rtai_tool_calls_total",
              "rtai_llm_errors_total", "rtai_database_queue_depth"})
            QVERIFY2(metrics.body.contains(QByteArray(QByteArray("# TYPE ") + name)), name);
        QVERIFY(metrics.body.contains("rtai_http_requests_total{status=\"200\"}"));
    }
};

QTEST_GUILESS_MAIN(TstServerRest)
#include "tst_serverrest.moc"
