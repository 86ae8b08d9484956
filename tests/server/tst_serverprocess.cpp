// The real `realtime-ai --server` process: graceful SIGTERM / SIGINT, and SIGKILL in the middle
// of a turn followed by a restart (the crash is repaired: session ended and summarized).

#include "core/Ids.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

class TstServerProcess : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir;

    QStringList serverArguments(const MockLlmProcess &mock) const {
        return {QStringLiteral("--database-url"),
                QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("process.db")),
                QStringLiteral("--data-dir"),
                dir.path(),
                QStringLiteral("--llm-base-url"),
                mock.baseUrl().toString(),
                QStringLiteral("--log-level"),
                QStringLiteral("info")};
    }
    // A message the mock echoes back in many slow tokens.
    static QString longMessage() {
        QStringList words;
        for (int i = 0; i < 300; ++i)
            words << QStringLiteral("word%1").arg(i);
        return QStringLiteral("Please repeat: ") + words.join(u' ');
    }
    static QJsonObject getJson(const QUrl &base, const QString &path) {
        return TestHttp::get(base.resolved(QUrl(path))).json();
    }
    static QJsonArray events(const QUrl &base, const QUuid &id) {
        return getJson(base, QStringLiteral("/api/sessions/") + Ids::toText(id) +
                                 QStringLiteral("/events"))
            .value(QStringLiteral("events"))
            .toArray();
    }
    static QStringList typesOf(const QJsonArray &events) {
        QStringList types;
        for (const QJsonValue &event : events)
            types << event.toObject().value(QStringLiteral("event_type")).toString();
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
        QVERIFY(mock.start({QStringLiteral("--token-delay-ms"), QStringLiteral("30")}));
        ServerProcess server;
        server.setLogName(QStringLiteral("tst_serverprocess-graceful"));
        QVERIFY2(server.start(serverArguments(mock)), qPrintable(server.log()));
        const QUrl url = server.url();

        const QUuid id = QUuid::createUuid();
        WsTestClient client;
        QVERIFY(client.open(WsTestClient::sessionUrl(url, Ids::toText(id), QStringLiteral("sig"))));
        QCOMPARE(client.waitFor().value(QStringLiteral("type")).toString(),
                 QStringLiteral("session"));
        client.sendText(longMessage());
        QVERIFY(!client.waitFor(QStringLiteral("content")).isEmpty());

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
                cancelledDone ||
                (frame.value(QStringLiteral("type")).toString() == u"done" &&
                 frame.value(QStringLiteral("finish_reason")).toString() == u"cancelled");
        QVERIFY(cancelledDone);

        // Restart on the same database: the partial reply was stored as interrupted and the
        // session was ended; the new process summarizes it.
        ServerProcess again;
        again.setLogName(QStringLiteral("tst_serverprocess-graceful-restart"));
        QVERIFY2(again.start(serverArguments(mock)), qPrintable(again.log()));
        const QJsonArray stored = events(again.url(), id);
        const QStringList types = typesOf(stored);
        QVERIFY2(types.contains(QStringLiteral("session_end")), qPrintable(types.join(u',')));
        bool interrupted = false;
        for (const QJsonValue &event : stored) {
            const QJsonObject object = event.toObject();
            if (object.value(QStringLiteral("event_type")).toString() == u"assistant_message") {
                interrupted = object.value(QStringLiteral("metadata"))
                                  .toObject()
                                  .value(QStringLiteral("interrupted"))
                                  .toBool();
                // A strict prefix of the mock's full echo of the message.
                const QString content = object.value(QStringLiteral("content")).toString();
                const QString full =
                    QStringLiteral("You said: \"%1\". I noted that.").arg(longMessage());
                QVERIFY2(!content.isEmpty() && full.startsWith(content) && content != full,
                         qPrintable(content));
            }
        }
        QVERIFY(interrupted);
        QVERIFY(QTest::qWaitFor(
            [&] {
                return getJson(again.url(), QStringLiteral("/api/sessions/") + Ids::toText(id))
                    .value(QStringLiteral("summary"))
                    .isString();
            },
            20000));
        again.terminate();
        QVERIFY(again.waitForExit(8000));
        QCOMPARE(again.exitCode(), 0);
    }

    void malformedDatabaseUrlStopsWithStatus2() {
        ServerProcess server;
        server.setLogName(QStringLiteral("server-bad-database-url"));
        QVERIFY(!server.start({QStringLiteral("--database-url"),
                               QStringLiteral("postgresql://user@localhost:notaport/db")}));
        QVERIFY(server.waitForExit(5000));
        QCOMPARE(server.exitCode(), 2);
        QVERIFY2(server.log().contains(QStringLiteral("realtime-ai: ")) &&
                     server.log().contains(QStringLiteral("port")),
                 qPrintable(server.log()));
        QVERIFY2(!server.log().contains(QStringLiteral("listening")), qPrintable(server.log()));
    }

    void killMidTurnThenRestart() {
        MockLlmProcess mock;
        QVERIFY(mock.start({QStringLiteral("--token-delay-ms"), QStringLiteral("30")}));
        const QUuid id = QUuid::createUuid();
        const QString message = longMessage();
        {
            ServerProcess server;
            server.setLogName(QStringLiteral("tst_serverprocess-killed"));
            QVERIFY2(server.start(serverArguments(mock)), qPrintable(server.log()));
            WsTestClient client;
            QVERIFY(client.open(
                WsTestClient::sessionUrl(server.url(), Ids::toText(id), QStringLiteral("crash"))));
            QCOMPARE(client.waitFor().value(QStringLiteral("type")).toString(),
                     QStringLiteral("session"));
            client.sendText(QStringLiteral("My name is Ada."));
            QVERIFY(!client.waitForTurn().isEmpty());
            client.sendText(message);
            QVERIFY(!client.waitFor(QStringLiteral("content")).isEmpty());
            server.kill();
            QVERIFY(server.waitForExit());
            QCOMPARE(server.exitStatus(), QProcess::CrashExit);
        }

        ServerProcess again;
        again.setLogName(QStringLiteral("tst_serverprocess-restarted"));
        QVERIFY2(again.start(serverArguments(mock)), qPrintable(again.log()));
        QVERIFY(QTest::qWaitFor(
            [&] {
                const QJsonObject session =
                    getJson(again.url(), QStringLiteral("/api/sessions/") + Ids::toText(id));
                return session.value(QStringLiteral("status")).toString() == u"ended" &&
                       session.value(QStringLiteral("summary")).isString();
            },
            30000));
        const QJsonObject session =
            getJson(again.url(), QStringLiteral("/api/sessions/") + Ids::toText(id));
        QVERIFY2(
            session.value(QStringLiteral("summary")).toString().contains(QStringLiteral("Ada")),
            qPrintable(session.value(QStringLiteral("summary")).toString()));
        const QJsonArray stored = events(again.url(), id);
        QStringList userTexts;
        for (const QJsonValue &event : stored)
            if (event.toObject().value(QStringLiteral("event_type")).toString() == u"user_message")
                userTexts << event.toObject().value(QStringLiteral("content")).toString();
        // The message of the killed turn was stored before the crash.
        QCOMPARE(userTexts, (QStringList{QStringLiteral("My name is Ada."), message}));
        QCOMPARE(typesOf(stored).last(), QStringLiteral("summary"));
        // end_time = the last event before the crash, not the restart time.
        const QDateTime endTime = QDateTime::fromString(
            session.value(QStringLiteral("end_time")).toString(), Qt::ISODateWithMs);
        QVERIFY(endTime.isValid());

        // The session can be resumed after the crash with its memory.
        WsTestClient client;
        QVERIFY(client.open(
            WsTestClient::sessionUrl(again.url(), Ids::toText(id), QStringLiteral("crash"))));
        const QJsonObject frame = client.waitFor();
        QCOMPARE(frame.value(QStringLiteral("resumed")).toBool(), true);
        client.sendText(QStringLiteral("What is my name?"));
        QVERIFY(WsTestClient::contentOf(client.waitForTurn()).contains(QStringLiteral("Ada")));
        client.close();
        again.terminate();
        QVERIFY(again.waitForExit(8000));
        QCOMPARE(again.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TstServerProcess)
#include "tst_serverprocess.moc"
