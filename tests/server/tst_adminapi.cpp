// The admin API of the real `realtime-ai --server` process (PROTOCOL.md, Admin API): the event
// feed and the status need the admin credential (401 without one, 403 for a user's JWT), the
// feed follows a chat session's turn, and ending a session is refused until
// admin/allow_remote_control is on. A feed client that does not read is closed (4008), and
// every feed client as the server stops (1001).

#include "core/Ids.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/RawWsClient.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/TestHttp.h"
#include "fixtures/TestJwt.h"
#include "fixtures/WsTestClient.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

constexpr char kToken[] = "admin-secret-token";
constexpr char kJwtSecret[] = "jwt-secret-for-the-admin-api-tests";
using Headers = QList<QPair<QByteArray, QByteArray>>;

Headers adminHeaders() {
    return {{QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + kToken}};
}

QByteArray userJwt(const QString &userId) {
    return TestJwt::hs256(kJwtSecret, TestJwt::supabaseClaims(userId));
}

QUrl feedUrl(const QUrl &server, const QString &query = {}) {
    QUrl url = server;
    url.setScheme(u"ws"_s);
    url.setPath(u"/api/admin/events"_s);
    if (!query.isEmpty())
        url.setQuery(query);
    return url;
}

// Every unread frame of `session` up to and including its `done`.
QList<QJsonObject> turnOf(WsTestClient &feed, const QString &session) {
    QList<QJsonObject> frames;
    for (QJsonObject frame = feed.waitFor(); !frame.isEmpty(); frame = feed.waitFor()) {
        if (frame.value(u"session_id"_s).toString() != session)
            continue;
        frames.append(frame);
        if (frame.value(u"type"_s).toString() == u"done")
            break;
    }
    return frames;
}

} // namespace

class TstAdminApi : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir;
    MockLlmProcess mock;
    int databases = 0;

    bool startServer(ServerProcess &server, bool remoteControl = false,
                     const MockLlmProcess *llm = nullptr) {
        QProcessEnvironment environment;
        environment.insert(u"RTAI_API_TOKEN"_s, QString::fromLatin1(kToken));
        environment.insert(u"RTAI_JWT_SECRET"_s, QString::fromLatin1(kJwtSecret));
        if (remoteControl)
            environment.insert(u"RTAI_ADMIN_ALLOW_REMOTE_CONTROL"_s, u"true"_s);
        return server.start(
            QStringList{u"--database-url"_s,
                        u"sqlite://"_s + dir.filePath(u"admin%1.db"_s.arg(++databases)),
                        u"--data-dir"_s, dir.path(), u"--llm-base-url"_s,
                        (llm ? llm : &mock)->baseUrl().toString()},
            environment);
    }
    // A chat client of `userId` (with its JWT) on a new session, past its session frame.
    static bool openChat(WsTestClient &client, const QUrl &server, const QUuid &id,
                         const QString &userId) {
        return client.open(WsTestClient::sessionUrl(server, Ids::toText(id), userId),
                           {{QByteArrayLiteral("Authorization"),
                             QByteArrayLiteral("Bearer ") + userJwt(userId)}}) &&
               client.waitFor(u"session"_s).value(u"session_id"_s).toString() == Ids::toText(id);
    }
    static TestHttp::Response upgrade(const QUrl &server, const QByteArray &extraHeaders,
                                      const QByteArray &query = {}) {
        return TestHttp::raw(quint16(server.port()),
                             "GET /api/admin/events" + query +
                                 " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                 "Connection: Upgrade\r\nSec-WebSocket-Key: "
                                 "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
                                 extraHeaders + "\r\n");
    }
    static TestHttp::Response endSession(const QUrl &server, const QUuid &id,
                                         const Headers &headers) {
        return TestHttp::request(
            QByteArrayLiteral("POST"),
            server.resolved(QUrl(u"/api/admin/sessions/%1/end"_s.arg(Ids::toText(id)))), headers);
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir.isValid());
        QVERIFY(mock.start({u"--token-delay-ms"_s, u"5"_s}));
    }

    void feedAndStatusNeedTheAdminCredential() {
        ServerProcess server;
        server.setLogName(u"tst_adminapi-credential"_s);
        QVERIFY2(startServer(server), qPrintable(server.log()));
        const QUrl url = server.url();

        const TestHttp::Response none = upgrade(url, {});
        QCOMPARE(none.status, 401);
        QCOMPARE(none.json().value(u"error"_s).toObject().value(u"code"_s).toString(),
                 u"unauthorized"_s);
        QCOMPARE(upgrade(url, "Authorization: Bearer wrong\r\n").status, 401);
        const TestHttp::Response user =
            upgrade(url, "Authorization: Bearer " + userJwt(u"u1"_s) + "\r\n");
        QCOMPARE(user.status, 403);
        QVERIFY2(user.json()
                     .value(u"error"_s)
                     .toObject()
                     .value(u"message"_s)
                     .toString()
                     .contains(u"admin credential"_s),
                 user.body.constData());
        QCOMPARE(upgrade(url, "Authorization: Bearer " + QByteArray(kToken) + "\r\n").status, 101);
        QCOMPARE(upgrade(url, {}, "?token=" + QByteArray(kToken)).status, 101);
        // Origin rules are the chat socket's: a page of another site gets 403 even with the token.
        const TestHttp::Response foreign =
            upgrade(url, "Authorization: Bearer " + QByteArray(kToken) +
                             "\r\nOrigin: http://evil.example\r\n");
        QCOMPARE(foreign.status, 403);
        QCOMPARE(foreign.json().value(u"error"_s).toObject().value(u"code"_s).toString(),
                 u"origin_not_allowed"_s);
        // The feed is one-way: a large message is refused.
        WsTestClient talker;
        QVERIFY(talker.open(feedUrl(url), adminHeaders()));
        QVERIFY(!talker.waitFor(u"hello"_s).isEmpty());
        talker.sendText(QString(5000, u'x'));
        QVERIFY(talker.waitForClosed());
        QCOMPARE(talker.closeCode(), 1009);
        // Without the upgrade, the feed's path says what it is.
        QCOMPARE(TestHttp::get(url.resolved(QUrl(u"/api/admin/events"_s)), adminHeaders()).status,
                 426);

        const QUrl status = url.resolved(QUrl(u"/api/admin/status"_s));
        QCOMPARE(TestHttp::get(status).status, 401);
        QCOMPARE(TestHttp::get(status, {{QByteArrayLiteral("Authorization"),
                                         QByteArrayLiteral("Bearer ") + userJwt(u"u1"_s)}})
                     .status,
                 403);
        const TestHttp::Response admin = TestHttp::get(status, adminHeaders());
        QCOMPARE(admin.status, 200);
        const QJsonObject body = admin.json();
        QCOMPARE(body.value(u"remote_control"_s).toBool(true), false);
        QVERIFY2(body.value(u"llm"_s)
                     .toObject()
                     .value(u"description"_s)
                     .toString()
                     .contains(u"127.0.0.1:%1"_s.arg(mock.port())),
                 admin.body.constData());
        QVERIFY(body.value(u"metrics"_s).toObject().contains(u"tokens_streamed_total"_s));
        QVERIFY(body.value(u"live_sessions"_s).toArray().isEmpty());
        QCOMPARE(TestHttp::get(url.resolved(QUrl(u"/api/admin/nothing"_s)), adminHeaders()).status,
                 404);
    }

    // The feed connects while the session is already live (the server then starts relaying its
    // conversation) and follows its turn; a session opened later is announced.
    void feedFollowsATurn() {
        ServerProcess server;
        server.setLogName(u"tst_adminapi-feed"_s);
        QVERIFY2(startServer(server), qPrintable(server.log()));
        const QUrl url = server.url();

        const QUuid id = QUuid::createUuid();
        const QString idText = Ids::toText(id);
        WsTestClient chat;
        QVERIFY(openChat(chat, url, id, u"alice"_s));

        WsTestClient feed;
        QVERIFY(feed.open(feedUrl(url), adminHeaders()));
        const QJsonObject hello = feed.waitFor(u"hello"_s);
        QCOMPARE(hello.value(u"remote_control"_s).toBool(true), false);
        const QJsonArray live = hello.value(u"sessions"_s).toArray();
        QCOMPARE(live.size(), 1);
        QCOMPARE(live.first().toObject().value(u"session_id"_s).toString(), idText);
        QCOMPARE(live.first().toObject().value(u"user_id"_s).toString(), u"alice"_s);
        const QJsonObject status =
            TestHttp::get(url.resolved(QUrl(u"/api/admin/status"_s)), adminHeaders()).json();
        QCOMPARE(status.value(u"admin_feed_clients"_s).toInt(), 1);
        QCOMPARE(status.value(u"live_sessions"_s).toArray().size(), 1);

        // Its conversation is relayed from here on.
        QCOMPARE(feed.waitFor(u"following"_s).value(u"session_id"_s).toString(), idText);
        chat.sendText(u"note this please"_s);
        QVERIFY(!chat.waitForTurn().isEmpty());
        const QList<QJsonObject> frames = turnOf(feed, idText);
        QVERIFY(!frames.isEmpty());
        const QStringList types = WsTestClient::typesOf(frames);
        QVERIFY2(types.contains(u"turn_started"_s), qPrintable(types.join(u',')));
        QCOMPARE(types.last(), u"done"_s);
        QCOMPARE(frames.last().value(u"finish_reason"_s).toString(), u"stop"_s);
        QString content;
        QStringList storedTypes;
        for (const QJsonObject &frame : frames) {
            if (frame.value(u"type"_s).toString() == u"turn_started")
                QCOMPARE(frame.value(u"text"_s).toString(), u"note this please"_s);
            if (frame.value(u"type"_s).toString() == u"content")
                content += frame.value(u"value"_s).toString();
            if (frame.value(u"type"_s).toString() == u"event")
                storedTypes << frame.value(u"event"_s).toObject().value(u"event_type"_s).toString();
        }
        QCOMPARE(content, u"You said: \"note this please\". I noted that."_s);
        QVERIFY2(storedTypes.contains(u"user_message"_s), qPrintable(storedTypes.join(u',')));

        // A session opened now is announced and followed from its first turn.
        const QUuid second = QUuid::createUuid();
        WsTestClient bob;
        QVERIFY(openChat(bob, url, second, u"bob"_s));
        const QJsonObject opened = feed.waitFor(u"session_opened"_s);
        QCOMPARE(opened.value(u"session_id"_s).toString(), Ids::toText(second));
        QCOMPARE(opened.value(u"user_id"_s).toString(), u"bob"_s);
        bob.sendText(u"second question"_s);
        const QList<QJsonObject> bobTurn = turnOf(feed, Ids::toText(second));
        QString bobContent;
        for (const QJsonObject &frame : bobTurn)
            if (frame.value(u"type"_s).toString() == u"content")
                bobContent += frame.value(u"value"_s).toString();
        QCOMPARE(bobContent, u"You said: \"second question\". I noted that."_s);
        const QStringList bobTypes = WsTestClient::typesOf(bobTurn);
        QVERIFY2(bobTypes.contains(u"turn_started"_s) &&
                     bobTypes.indexOf(u"turn_started"_s) < bobTypes.indexOf(u"content"_s),
                 qPrintable(bobTypes.join(u',')));

        chat.close();
        const QJsonObject closed = feed.waitFor(u"session_closed"_s);
        QCOMPARE(closed.value(u"session_id"_s).toString(), idText);
    }

    void endIsRefusedWhileReadOnly() {
        ServerProcess server;
        server.setLogName(u"tst_adminapi-readonly"_s);
        QVERIFY2(startServer(server), qPrintable(server.log()));
        const QUuid id = QUuid::createUuid();
        WsTestClient chat;
        QVERIFY(openChat(chat, server.url(), id, u"carol"_s));

        const TestHttp::Response refused = endSession(server.url(), id, adminHeaders());
        QCOMPARE(refused.status, 403);
        QVERIFY2(refused.body.contains("admin/allow_remote_control"), refused.body.constData());
        QCOMPARE(endSession(server.url(), id, {}).status, 401);
        // The session goes on.
        chat.sendText(u"still here"_s);
        QCOMPARE(WsTestClient::contentOf(chat.waitForTurn()),
                 u"You said: \"still here\". I noted that."_s);
        QVERIFY(chat.isConnected());
    }

    void endWorksWhenRemoteControlIsOn() {
        ServerProcess server;
        server.setLogName(u"tst_adminapi-control"_s);
        QVERIFY2(startServer(server, true), qPrintable(server.log()));
        const QUrl url = server.url();
        WsTestClient feed;
        QVERIFY(feed.open(feedUrl(url, u"token="_s + QString::fromLatin1(kToken))));
        QCOMPARE(feed.waitFor(u"hello"_s).value(u"remote_control"_s).toBool(), true);

        const QUuid id = QUuid::createUuid();
        WsTestClient chat;
        QVERIFY(openChat(chat, url, id, u"dave"_s));
        QCOMPARE(feed.waitFor(u"session_opened"_s).value(u"session_id"_s).toString(),
                 Ids::toText(id));

        // A user's JWT may not, even for its own session.
        QCOMPARE(endSession(url, id,
                            {{QByteArrayLiteral("Authorization"),
                              QByteArrayLiteral("Bearer ") + userJwt(u"dave"_s)}})
                     .status,
                 403);
        QCOMPARE(endSession(url, QUuid::createUuid(), adminHeaders()).status, 404);
        const TestHttp::Response ended = endSession(url, id, adminHeaders());
        QCOMPARE(ended.status, 200);
        QCOMPARE(ended.json().value(u"ended"_s).toString(), Ids::toText(id));
        QVERIFY(chat.waitForClosed());
        QCOMPARE(chat.closeCode(), 1000);
        QCOMPARE(feed.waitFor(u"session_closed"_s).value(u"session_id"_s).toString(),
                 Ids::toText(id));
        QVERIFY(QTest::qWaitFor(
            [&] {
                return TestHttp::get(url.resolved(QUrl(u"/api/sessions/"_s + Ids::toText(id))),
                                     adminHeaders())
                    .json()
                    .value(u"end_time"_s)
                    .isString();
            },
            10000));
        QCOMPARE(TestHttp::request(
                     QByteArrayLiteral("GET"),
                     url.resolved(QUrl(u"/api/admin/sessions/%1/end"_s.arg(Ids::toText(id)))),
                     adminHeaders())
                     .status,
                 405);
        // The feed is closed as the server stops.
        server.terminate();
        QVERIFY(feed.waitForClosed());
        QCOMPARE(feed.closeCode(), 1001);
        QVERIFY(server.waitForExit());
        QCOMPARE(server.exitCode(), 0);
    }

    // A feed client that reads nothing is closed once more than limits/max_client_buffer_bytes
    // wait for it; the chat it watched goes on.
    void unreadFeedIsClosed() {
        MockLlmProcess fast; // no delay between tokens
        QVERIFY(fast.start());
        ServerProcess server;
        server.setLogName(u"tst_adminapi-unread"_s);
        QVERIFY2(startServer(server, false, &fast), qPrintable(server.log()));
        const QUrl url = server.url();
        RawWsClient slow;
        QVERIFY(slow.open(quint16(url.port()), "/api/admin/events?token=" + QByteArray(kToken)));
        QVERIFY(QTest::qWaitFor(
            [&] {
                return TestHttp::get(url.resolved(QUrl(u"/api/admin/status"_s)), adminHeaders())
                           .json()
                           .value(u"admin_feed_clients"_s)
                           .toInt() == 1;
            },
            10000));

        const QUuid id = QUuid::createUuid();
        WsTestClient chat;
        QVERIFY(openChat(chat, url, id, u"erin"_s));
        // About 1.4 MB of content, and as much again in the stored reply's event: more than the
        // kernel's buffers hold (4 MiB at most here) once a few turns have run.
        bool closed = false;
        for (int turn = 0; turn < 6 && !closed; ++turn) {
            chat.sendText(u"burst: 200000"_s);
            QVERIFY(!chat.waitForTurn(60000).isEmpty());
            closed = server.waitForLog(u"closed with code 4008"_s, 1000);
        }
        QVERIFY2(closed, qPrintable(server.log().right(2000)));
        QVERIFY(QTest::qWaitFor(
            [&] {
                return TestHttp::get(url.resolved(QUrl(u"/api/admin/status"_s)), adminHeaders())
                           .json()
                           .value(u"admin_feed_clients"_s)
                           .toInt() == 0;
            },
            10000));
        chat.sendText(u"after"_s);
        QCOMPARE(WsTestClient::contentOf(chat.waitForTurn()),
                 u"You said: \"after\". I noted that."_s);
    }
};

QTEST_GUILESS_MAIN(TstAdminApi)
#include "tst_adminapi.moc"
