// The real `realtime-ai --server` process: graceful SIGTERM / SIGINT, and SIGKILL in the middle
// of a turn followed by a restart (the crash is repaired: session ended and summarized), and
// SIGKILL right after the first content frame of a reply: its user message is stored anyway.

#include "core/Ids.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <sys/socket.h>

using namespace Qt::StringLiterals;

class TstServerProcess : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir;

    QStringList serverArguments(const MockLlmProcess &mock) const {
        return {u"--database-url"_s, u"sqlite://"_s + dir.filePath(u"process.db"_s),
                u"--data-dir"_s,     dir.path(),
                u"--llm-base-url"_s, mock.baseUrl().toString(),
                u"--log-level"_s,    u"info"_s};
    }
    // A message the mock echoes back in many slow tokens.
    static QString longMessage() {
        QStringList words;
        for (int i = 0; i < 300; ++i)
            words << u"word%1"_s.arg(i);
        return u"Please repeat: "_s + words.join(u' ');
    }
    static QJsonObject getJson(const QUrl &base, const QString &path) {
        return TestHttp::get(base.resolved(QUrl(path))).json();
    }
    static QJsonArray events(const QUrl &base, const QUuid &id) {
        return getJson(base, u"/api/sessions/"_s + Ids::toText(id) + u"/events"_s)
            .value(u"events"_s)
            .toArray();
    }
    static QStringList typesOf(const QJsonArray &events) {
        QStringList types;
        for (const QJsonValue &event : events)
            types << event.toObject().value(u"event_type"_s).toString();
        return types;
    }

private Q_SLOTS:
    void gracefulStop_data() {
        QTest::addColumn<bool>("sigint");
        QTest::newRow("SIGTERM") << false;
        QTest::newRow("SIGINT") << true;
    }
    void gracefulStop() {
        QFETCH(bool, sigint);
        MockLlmProcess mock;
        QVERIFY(mock.start({u"--token-delay-ms"_s, u"30"_s}));
        ServerProcess server;
        server.setLogName(u"tst_serverprocess-graceful"_s);
        QVERIFY2(server.start(serverArguments(mock)), qPrintable(server.log()));
        const QUrl url = server.url();

        const QUuid id = QUuid::createUuid();
        WsTestClient client;
        QVERIFY(client.open(WsTestClient::sessionUrl(url, Ids::toText(id), u"sig"_s)));
        QCOMPARE(client.waitFor().value(u"type"_s).toString(), u"session"_s);
        client.sendText(longMessage());
        QVERIFY(!client.waitFor(u"content"_s).isEmpty());

        if (sigint)
            server.interrupt();
        else
            server.terminate();
        QVERIFY(client.waitForClosed(8000));
        QCOMPARE(client.closeCode(), 1001);
        QVERIFY2(server.waitForExit(8000), qPrintable(server.log()));
        QCOMPARE(server.exitStatus(), QProcess::NormalExit);
        QCOMPARE(server.exitCode(), 0);
        // The cancelled turn ended with done(cancelled) before the close.
        bool cancelledDone = false;
        for (const QJsonObject &frame : client.frames())
            cancelledDone =
                cancelledDone || (frame.value(u"type"_s).toString() == u"done" &&
                                  frame.value(u"finish_reason"_s).toString() == u"cancelled");
        QVERIFY(cancelledDone);

        // Restart on the same database: the partial reply was stored as interrupted and the
        // session was ended; the new process summarizes it.
        ServerProcess again;
        again.setLogName(u"tst_serverprocess-graceful-restart"_s);
        QVERIFY2(again.start(serverArguments(mock)), qPrintable(again.log()));
        const QJsonArray stored = events(again.url(), id);
        const QStringList types = typesOf(stored);
        QVERIFY2(types.contains(u"session_end"_s), qPrintable(types.join(u',')));
        bool interrupted = false;
        for (const QJsonValue &event : stored) {
            const QJsonObject object = event.toObject();
            if (object.value(u"event_type"_s).toString() == u"assistant_message") {
                interrupted =
                    object.value(u"metadata"_s).toObject().value(u"interrupted"_s).toBool();
                // A strict prefix of the mock's full echo of the message.
                const QString content = object.value(u"content"_s).toString();
                const QString full = u"You said: \"%1\". I noted that."_s.arg(longMessage());
                QVERIFY2(!content.isEmpty() && full.startsWith(content) && content != full,
                         qPrintable(content));
            }
        }
        QVERIFY(interrupted);
        QVERIFY(QTest::qWaitFor(
            [&] {
                return getJson(again.url(), u"/api/sessions/"_s + Ids::toText(id))
                    .value(u"summary"_s)
                    .isString();
            },
            20000));
        again.terminate();
        QVERIFY(again.waitForExit(8000));
        QCOMPARE(again.exitCode(), 0);
    }

    void malformedDatabaseUrlStopsWithStatus2() {
        ServerProcess server;
        server.setLogName(u"server-bad-database-url"_s);
        QVERIFY(!server.start({u"--database-url"_s, u"postgresql://user@localhost:notaport/db"_s}));
        QVERIFY(server.waitForExit(5000));
        QCOMPARE(server.exitCode(), 2);
        QVERIFY2(server.log().contains(u"realtime-ai: "_s) && server.log().contains(u"port"_s),
                 qPrintable(server.log()));
        QVERIFY2(!server.log().contains(u"listening"_s), qPrintable(server.log()));
    }

    // Safe default: listening beyond loopback without authentication is refused at start.
    void nonLoopbackWithoutAuthStopsWithStatus2() {
        ServerProcess server;
        server.setLogName(u"server-anonymous-refused"_s);
        QVERIFY(!server.start({u"--host"_s, u"0.0.0.0"_s, u"--data-dir"_s, dir.path(),
                               u"--llm-base-url"_s, u"http://127.0.0.1:9/v1"_s}));
        QVERIFY(server.waitForExit(5000));
        QCOMPARE(server.exitCode(), 2);
        const QString log = server.log();
        QVERIFY2(log.contains(u"realtime-ai: refusing to listen on 0.0.0.0 without "
                              "authentication"_s) &&
                     log.contains(u"RTAI_API_TOKEN"_s) && log.contains(u"--allow-anonymous"_s),
                 qPrintable(log));
        QVERIFY2(!log.contains(u"listening"_s), qPrintable(log));
    }

    void allowAnonymousStartsWithAWarning_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("variable");
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("warns");
        QTest::newRow("--allow-anonymous")
            << QStringList{u"--allow-anonymous"_s} << QString() << QString() << true;
        QTest::newRow("RTAI_ALLOW_ANONYMOUS")
            << QStringList{} << u"RTAI_ALLOW_ANONYMOUS"_s << u"true"_s << true;
        QTest::newRow("with a token")
            << QStringList{} << u"RTAI_API_TOKEN"_s << u"s3cret"_s << false;
        QTest::newRow("with a Supabase JWT secret")
            << QStringList{} << u"SUPABASE_JWT_SECRET"_s
            << u"a-supabase-jwt-secret-of-at-least-32-bytes"_s << false;
    }
    void allowAnonymousStartsWithAWarning() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, variable);
        QFETCH(QString, value);
        QFETCH(bool, warns);
        QProcessEnvironment environment;
        if (!variable.isEmpty())
            environment.insert(variable, value);
        ServerProcess server;
        server.setLogName(u"server-anonymous-allowed"_s);
        QVERIFY2(server.start(QStringList{u"--host"_s, u"0.0.0.0"_s, u"--database-url"_s,
                                          u"sqlite://"_s + dir.filePath(u"anonymous.db"_s),
                                          u"--data-dir"_s, dir.path(), u"--llm-base-url"_s,
                                          u"http://127.0.0.1:9/v1"_s} +
                                  arguments,
                              environment),
                 qPrintable(server.log()));
        QCOMPARE(server.log().contains(u"without authentication (allow_anonymous)"_s), warns);
        QUrl health(u"http://127.0.0.1/healthz"_s);
        health.setPort(server.url().port());
        QCOMPARE(TestHttp::get(health).status, 200);
        QUrl sessions = health;
        sessions.setPath(u"/api/sessions"_s);
        QCOMPARE(TestHttp::get(sessions).status, warns ? 200 : 401); // authentication is on
        server.terminate();
        QVERIFY(server.waitForExit(8000));
        QCOMPARE(server.exitCode(), 0);
    }

    // The connection settings reach the server from the environment: a silent connection is
    // closed by a 1 s request deadline, and kept-alive connections count against a cap of 2.
    void connectionLimitsComeFromTheEnvironment() {
        QProcessEnvironment environment;
        environment.insert(u"RTAI_REQUEST_TIMEOUT_S"_s, u"1"_s);
        environment.insert(u"RTAI_MAX_LOOPBACK_CONNECTIONS"_s, u"2"_s);
        ServerProcess server;
        server.setLogName(u"server-connection-limits"_s);
        QVERIFY2(
            server.start(QStringList{u"--database-url"_s,
                                     u"sqlite://"_s + dir.filePath(u"limits.db"_s), u"--data-dir"_s,
                                     dir.path(), u"--llm-base-url"_s, u"http://127.0.0.1:9/v1"_s},
                         environment),
            qPrintable(server.log()));
        const quint16 port = quint16(server.url().port());
        const auto connect = [port] {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QHostAddress::LocalHost, port);
            socket->waitForConnected(5000);
            return socket;
        };
        const auto closedByServer = [](QTcpSocket *socket) {
            return QTest::qWaitFor(
                [socket] {
                    socket->readAll();
                    return socket->state() == QAbstractSocket::UnconnectedState;
                },
                10000);
        };

        auto silent = connect();
        const quint16 silentPort = silent->localPort();
        QVERIFY(closedByServer(silent.get()));
        QVERIFY2(server.waitForLog(u"- no whole request within 1000 ms"_s),
                 qPrintable(server.log()));
        QVERIFY(server.log().contains(u"closing 127.0.0.1:%1 "_s.arg(silentPort)));

        const QByteArray healthz = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        std::vector<std::unique_ptr<QTcpSocket>> kept;
        for (int i = 0; i < 2; ++i) {
            kept.push_back(connect());
            kept.back()->write(healthz);
            QByteArray answer;
            QVERIFY(QTest::qWaitFor(
                [&] {
                    answer += kept.back()->readAll();
                    return answer.endsWith("{\"status\":\"ok\"}");
                },
                10000));
        }
        const TestHttp::Response refused = TestHttp::raw(port, healthz);
        QCOMPARE(refused.status, 429);
        QVERIFY2(server.waitForLog(u"refusing 127.0.0.1:"_s), qPrintable(server.log()));
        kept.clear();
        QVERIFY(QTest::qWaitFor([&] { return TestHttp::raw(port, healthz).status == 200; }, 10000));
        server.terminate();
        QVERIFY(server.waitForExit(8000));
        QCOMPARE(server.exitCode(), 0);
    }

    void killMidTurnThenRestart() {
        MockLlmProcess mock;
        QVERIFY(mock.start({u"--token-delay-ms"_s, u"30"_s}));
        const QUuid id = QUuid::createUuid();
        const QString message = longMessage();
        {
            ServerProcess server;
            server.setLogName(u"tst_serverprocess-killed"_s);
            QVERIFY2(server.start(serverArguments(mock)), qPrintable(server.log()));
            WsTestClient client;
            QVERIFY(
                client.open(WsTestClient::sessionUrl(server.url(), Ids::toText(id), u"crash"_s)));
            QCOMPARE(client.waitFor().value(u"type"_s).toString(), u"session"_s);
            client.sendText(u"My name is Ada."_s);
            QVERIFY(!client.waitForTurn().isEmpty());
            client.sendText(message);
            QVERIFY(!client.waitFor(u"content"_s).isEmpty());
            server.kill();
            QVERIFY(server.waitForExit());
            QCOMPARE(server.exitStatus(), QProcess::CrashExit);
        }

        ServerProcess again;
        again.setLogName(u"tst_serverprocess-restarted"_s);
        QVERIFY2(again.start(serverArguments(mock)), qPrintable(again.log()));
        QVERIFY(QTest::qWaitFor(
            [&] {
                const QJsonObject session =
                    getJson(again.url(), u"/api/sessions/"_s + Ids::toText(id));
                return session.value(u"status"_s).toString() == u"ended" &&
                       session.value(u"summary"_s).isString();
            },
            30000));
        const QJsonObject session = getJson(again.url(), u"/api/sessions/"_s + Ids::toText(id));
        QVERIFY2(session.value(u"summary"_s).toString().contains(u"Ada"_s),
                 qPrintable(session.value(u"summary"_s).toString()));
        const QJsonArray stored = events(again.url(), id);
        QStringList userTexts;
        for (const QJsonValue &event : stored)
            if (event.toObject().value(u"event_type"_s).toString() == u"user_message")
                userTexts << event.toObject().value(u"content"_s).toString();
        // The message of the killed turn was stored before the crash.
        QCOMPARE(userTexts, (QStringList{u"My name is Ada."_s, message}));
        QCOMPARE(typesOf(stored).last(), u"summary"_s);
        // end_time = the last event before the crash, not the restart time.
        const QDateTime endTime =
            QDateTime::fromString(session.value(u"end_time"_s).toString(), Qt::ISODateWithMs);
        QVERIFY(endTime.isValid());

        // The session can be resumed after the crash with its memory.
        WsTestClient client;
        QVERIFY(client.open(WsTestClient::sessionUrl(again.url(), Ids::toText(id), u"crash"_s)));
        const QJsonObject frame = client.waitFor();
        QCOMPARE(frame.value(u"resumed"_s).toBool(), true);
        client.sendText(u"What is my name?"_s);
        QVERIFY(WsTestClient::contentOf(client.waitForTurn()).contains(u"Ada"_s));
        client.close();
        again.terminate();
        QVERIFY(again.waitForExit(8000));
        QCOMPARE(again.exitCode(), 0);
    }

    void resetsLeaveNoLiveSession_data() {
        QTest::addColumn<bool>("waitForUpgrade");
        QTest::newRow("right after the 101") << true;
        QTest::newRow("without waiting for the 101") << false;
    }
    void resetsLeaveNoLiveSession() {
        // 100 clients of the real server reset their connections (RST) right after the 101, or
        // at once, some with a user message sent together with the upgrade: no session stays
        // live.
        QFETCH(bool, waitForUpgrade);
        MockLlmProcess mock;
        QVERIFY(mock.start());
        QStringList arguments = serverArguments(mock);
        arguments[1] = u"sqlite://"_s + dir.filePath(u"resets.db"_s);
        ServerProcess server;
        server.setLogName(u"tst_serverprocess-resets"_s);
        QVERIFY2(server.start(arguments), qPrintable(server.log()));
        const quint16 port = quint16(server.url().port());
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 100; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QHostAddress::LocalHost, port);
            QVERIFY(socket->waitForConnected(5000));
            QByteArray request =
                "GET /ws/session/" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces) +
                "?user_id=reset HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) +
                "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n";
            if (i % 2) // a masked text frame "hi" (mask 0): held while the session opens
                request += QByteArray("\x81\x82\0\0\0\0hi", 8);
            socket->write(request);
            sockets.push_back(std::move(socket));
        }
        for (auto &socket : sockets) {
            QByteArray seen;
            if (waitForUpgrade)
                QVERIFY(QTest::qWaitFor(
                    [&] {
                        seen += socket->readAll();
                        return seen.contains("\r\n\r\n");
                    },
                    5000));
            else
                socket->waitForBytesWritten(1000);
            const struct linger noLinger { 1, 0 };
            ::setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &noLinger,
                         sizeof noLinger);
            socket->abort();
        }
        const auto metric = [&](const QString &name) {
            const QString text =
                QString::fromUtf8(TestHttp::get(server.url().resolved(QUrl(u"/metrics"_s))).body);
            const QRegularExpression line(u"^"_s + name + u" ([0-9.e+-]+)$"_s,
                                          QRegularExpression::MultilineOption);
            const QRegularExpressionMatch match = line.match(text);
            return match.hasMatch() ? match.captured(1).toDouble() : -1.0;
        };
        const auto active = [&] {
            return getJson(server.url(), u"/api/sessions?status=active&limit=200"_s)
                .value(u"sessions"_s)
                .toArray()
                .size();
        };
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         return active() == 0 && metric(u"rtai_active_sessions"_s) == 0 &&
                                metric(u"rtai_websocket_connections"_s) == 0;
                     },
                     20000),
                 qPrintable(u"active over REST %1, live sessions %2, connections %3"_s.arg(active())
                                .arg(metric(u"rtai_active_sessions"_s))
                                .arg(metric(u"rtai_websocket_connections"_s))));
        QCOMPARE(metric(u"rtai_session_repairs_total"_s), 0.0);
        // Every session they opened ended and is summarized.
        QVERIFY(QTest::qWaitFor(
            [&] {
                const QJsonArray sessions =
                    getJson(server.url(), u"/api/sessions?status=ended&limit=200"_s)
                        .value(u"sessions"_s)
                        .toArray();
                return std::all_of(sessions.begin(), sessions.end(), [](const QJsonValue &s) {
                    return s.toObject().value(u"summary"_s).isString();
                });
            },
            30000));
        QVERIFY(!server.log().contains(u"connection :0"_s));
        server.terminate();
        QVERIFY(server.waitForExit(8000));
    }

    void killRightAfterTheFirstContentFrame() {
        // Durable before acknowledged: once a client sees the first `content` frame of a reply,
        // the user message it answers is committed. The mock answers at once, so the reply races
        // the database write; the server is killed as soon as the frame arrives. In every other
        // try another process holds the SQLite write lock for a moment (a busy disk), so the
        // write is surely slower than the LLM: the reply must wait for it.
        MockLlmProcess mock;
        QVERIFY(mock.start());
        const QString file = dir.filePath(u"killed-early.db"_s);
        QStringList arguments = serverArguments(mock);
        arguments[1] = u"sqlite://"_s + file;
        const QString lockName = u"write-lock"_s;
        constexpr int kTries = 20;
        QList<QUuid> ids;
        for (int i = 0; i < kTries; ++i) {
            ids << QUuid::createUuid();
            ServerProcess server;
            server.setLogName(u"tst_serverprocess-killed-early"_s);
            QVERIFY2(server.start(arguments), qPrintable(server.log()));
            WsTestClient client;
            QVERIFY(client.open(
                WsTestClient::sessionUrl(server.url(), Ids::toText(ids.last()), u"durable"_s)));
            QCOMPARE(client.waitFor().value(u"type"_s).toString(), u"session"_s);
            const bool locked = i % 2 == 1;
            {
                QSqlDatabase lock = QSqlDatabase::addDatabase(u"QSQLITE"_s, lockName);
                lock.setDatabaseName(file);
                lock.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
                QVERIFY(lock.open());
                if (locked)
                    QVERIFY(QSqlQuery(lock).exec(u"BEGIN IMMEDIATE"_s));
                client.sendText(u"durable message %1"_s.arg(i));
                if (locked) {
                    // The reply's first frame does not come while its message cannot be stored.
                    const QJsonObject early = client.waitFor(u"content"_s, 300);
                    if (!early.isEmpty())
                        server.kill(); // what the client saw was not stored: the test fails below
                    QVERIFY(QSqlQuery(lock).exec(u"ROLLBACK"_s));
                    QVERIFY2(early.isEmpty(), "content arrived before its user message was stored");
                }
                lock.close();
            }
            QSqlDatabase::removeDatabase(lockName);
            QVERIFY(!client.waitFor(u"content"_s).isEmpty());
            server.kill();
            QVERIFY(server.waitForExit());
            QCOMPARE(server.exitStatus(), QProcess::CrashExit);
        }

        ServerProcess again;
        again.setLogName(u"tst_serverprocess-killed-early-restarted"_s);
        QVERIFY2(again.start(arguments), qPrintable(again.log()));
        for (int i = 0; i < kTries; ++i) {
            QStringList userTexts;
            for (const QJsonValue &event : events(again.url(), ids.at(i)))
                if (event.toObject().value(u"event_type"_s).toString() == u"user_message")
                    userTexts << event.toObject().value(u"content"_s).toString();
            QCOMPARE(userTexts, QStringList{u"durable message %1"_s.arg(i)});
        }
        again.terminate();
        QVERIFY(again.waitForExit(8000));
        QCOMPARE(again.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TstServerProcess)
#include "tst_serverprocess.moc"
