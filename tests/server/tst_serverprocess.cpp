// The real `realtime-ai --server` process: graceful SIGTERM / SIGINT, and SIGKILL in the middle
// of a turn followed by a restart (the crash is repaired: session ended and summarized).

#include "core/Ids.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"

#include <QJsonArray>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

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
};

QTEST_GUILESS_MAIN(TstServerProcess)
#include "tst_serverprocess.moc"
