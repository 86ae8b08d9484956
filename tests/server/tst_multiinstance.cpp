// Several real `realtime-ai --server` processes on one throwaway PostgreSQL database, leases of
// 1 s / 3 s: an instance starting (or restarting, or recovering) never ends or summarizes a
// session another live instance holds; an instance killed with SIGKILL has its sessions ended
// and summarized exactly once by the others once its lease expired; however many instances
// run, every ended session gets exactly one summary; PostgreSQL restarted under them ends no
// live session. A session opened on B while A holds it moves to B (A's client closed with
// 4000, A's turn in flight stored first, B's memory read after A let go), told by LISTEN/NOTIFY
// or, with LISTEN off as behind a transaction pooler, by the heartbeat's owner check. Each
// instance reports its lease on /readyz and its id and owned sessions on /metrics. And SQLite,
// which serves one process: a second one on the same file is refused.

#include "core/Ids.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/PostgresCluster.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

class TstMultiInstance : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresCluster> m_cluster;
    MockLlmProcess m_mock;
    QTemporaryDir m_dir;
    QString m_database;
    int m_counter = 0;

    std::unique_ptr<ServerProcess> startInstance(const QString &name, int expiryS = 3,
                                                 int heartbeatS = 1,
                                                 const QProcessEnvironment &extra = {}) {
        auto server = std::make_unique<ServerProcess>();
        server->setLogName(u"tst_multiinstance-"_s + name);
        QProcessEnvironment environment = extra;
        environment.insert(u"RTAI_LEASE_HEARTBEAT_S"_s, QString::number(heartbeatS));
        environment.insert(u"RTAI_LEASE_EXPIRY_S"_s, QString::number(expiryS));
        const bool started = server->start(
            {u"--database-url"_s, m_cluster->url(m_database), u"--data-dir"_s, m_dir.filePath(name),
             u"--llm-base-url"_s, m_mock.baseUrl().toString(), u"--log-level"_s, u"info"_s},
            environment);
        if (!started)
            qWarning().noquote() << server->log();
        return started ? std::move(server) : nullptr;
    }

    QString value(const QString &sql) { return m_cluster->queryValue(m_database, sql); }
    int count(const QString &sql) { return value(sql).toInt(); }
    bool isSummarized(const QUuid &id) {
        return count(u"SELECT count(*) FROM sessions WHERE session_id = '%1' AND summary IS NOT "
                     "NULL"_s.arg(Ids::toText(id))) == 1;
    }
    bool isActive(const QUuid &id) {
        return count(u"SELECT count(*) FROM sessions WHERE session_id = '%1' AND end_time IS "
                     "NULL AND summary IS NULL"_s.arg(Ids::toText(id))) == 1;
    }
    int summaryEvents(const QUuid &id) {
        return count(u"SELECT count(*) FROM session_events WHERE event_type = 'summary' AND "
                     "session_id = '%1'"_s.arg(Ids::toText(id)));
    }
    // end_time is the session's last event before the summary.
    bool endsAtItsLastEvent(const QUuid &id) {
        return count(u"SELECT count(*) FROM sessions s WHERE s.session_id = '%1' AND s.end_time = "
                     "(SELECT max(created_at) FROM session_events e WHERE e.session_id = "
                     "s.session_id AND e.event_type <> 'summary')"_s.arg(Ids::toText(id))) == 1;
    }

    // A session some instance left open, owned by an instance whose lease has expired: proof
    // that an instance has run its recovery once it is ended.
    QUuid abandonedSession() {
        const QUuid id = QUuid::createUuid();
        const QString dead = u"dead-%1"_s.arg(++m_counter);
        const bool ok = m_cluster->runSql(
            m_database,
            u"INSERT INTO rtai_instances (instance_id, lease_expires_at) VALUES ('%2', now() - "
            "interval '1 minute'); INSERT INTO sessions (session_id, user_id, owner_instance) "
            "VALUES ('%1', 'witness', '%2'); INSERT INTO session_events (session_id, event_type, "
            "content) VALUES ('%1', 'user_message', 'My name is Wit.')"_s.arg(Ids::toText(id),
                                                                              dead));
        if (!ok)
            qWarning().noquote() << m_cluster->errorString();
        return id;
    }

    static QJsonObject readyInstance(const ServerProcess &server) {
        return TestHttp::get(server.url().resolved(QUrl(u"/readyz"_s)))
            .json()
            .value(u"instance"_s)
            .toObject();
    }
    // The value of an unlabelled metric of the instance's /metrics; -1 when absent.
    static double metric(const ServerProcess &server, const QByteArray &name) {
        const QByteArray body = TestHttp::get(server.url().resolved(QUrl(u"/metrics"_s))).body;
        for (const QByteArray &line : body.split('\n'))
            if (line.startsWith(QByteArray(name + ' ')))
                return line.mid(name.size() + 1).toDouble();
        return -1;
    }
    QString owner(const QUuid &id) {
        return value(
            u"SELECT owner_instance FROM sessions WHERE session_id = '%1'"_s.arg(Ids::toText(id)));
    }
    QString eventTypes(const QUuid &id) {
        return value(u"SELECT string_agg(event_type, ',' ORDER BY id) FROM session_events WHERE "
                     "session_id = '%1'"_s.arg(Ids::toText(id)));
    }

    // A opens the session and is in the middle of a long reply when B opens it: A's client is
    // closed with 4000, A's reply is stored whole before A lets go, and B's conversation goes on
    // from everything said on A, with the events in order. `countsOwned`: the heartbeat is short
    // enough for rtai_owned_sessions to follow within the test.
    void takeOver(ServerProcess &a, ServerProcess &b, bool countsOwned) {
        const QString idA = readyInstance(a).value(u"id"_s).toString();
        const QString idB = readyInstance(b).value(u"id"_s).toString();
        QVERIFY(!idA.isEmpty() && !idB.isEmpty() && idA != idB);
        const QUuid id = QUuid::createUuid();
        auto onA = chat(a, id, u"Hello, my name is Ada."_s);
        QVERIFY(onA);
        QCOMPARE(owner(id), idA);
        if (countsOwned) {
            QVERIFY(QTest::qWaitFor([&] { return metric(a, "rtai_owned_sessions") == 1; }, 10000));
            QCOMPARE(metric(b, "rtai_owned_sessions"), 0.0);
        }

        // Another user's client is refused (4403) and takes nothing from A.
        WsTestClient eve;
        QVERIFY(eve.open(WsTestClient::sessionUrl(b.url(), Ids::toText(id), u"eve"_s)));
        QVERIFY(eve.waitForClosed());
        QCOMPARE(eve.closeCode(), 4403);
        QCOMPARE(owner(id), idA);
        QVERIFY(onA->isConnected());

        onA->sendText(u"long: 300"_s);
        QVERIFY(!onA->waitFor(u"content"_s).isEmpty()); // A's turn is in flight
        WsTestClient onB;
        QVERIFY(onB.open(WsTestClient::sessionUrl(b.url(), Ids::toText(id), u"ada"_s)));
        QVERIFY(onA->waitForClosed());
        QCOMPARE(onA->closeCode(), 4000);
        const QJsonObject session = onB.waitFor(u"session"_s);
        QVERIFY(!session.isEmpty());
        QCOMPARE(owner(id), idB);
        // B's history has A's reply whole: stored before A let go.
        const QJsonArray history = onB.waitFor(u"history"_s).value(u"messages"_s).toArray();
        QCOMPARE(history.size(), 4);
        QCOMPARE(history.at(2).toObject().value(u"content"_s).toString(), u"long: 300"_s);
        QVERIFY(history.at(3).toObject().value(u"content"_s).toString().endsWith(u" w300"_s));
        // The mock answers from the request's messages: B sent A's.
        onB.sendText(u"What is my name?"_s);
        QVERIFY(WsTestClient::contentOf(onB.waitForTurn()).contains(u"Ada"_s));

        QCOMPARE(eventTypes(id), u"session_start,user_message,assistant_message,user_message,"
                                 "assistant_message,session_end,session_start,user_message,"
                                 "assistant_message"_s);
        QCOMPARE(value(u"SELECT metadata->>'taken_over_by' FROM session_events WHERE session_id "
                       "= '%1' AND event_type = 'session_end'"_s.arg(Ids::toText(id))),
                 idB);
        QCOMPARE(count(u"SELECT count(*) FROM session_events WHERE session_id = '%1' AND "
                       "(metadata->>'interrupted')::boolean"_s.arg(Ids::toText(id))),
                 0);
        QVERIFY(isActive(id)); // moved, not ended
        if (countsOwned) {
            QVERIFY(QTest::qWaitFor([&] { return metric(b, "rtai_owned_sessions") == 1; }, 10000));
            QVERIFY(QTest::qWaitFor([&] { return metric(a, "rtai_owned_sessions") == 0; }, 10000));
        }

        // Leaving on B ends it there, summarized once.
        onB.close();
        QVERIFY(QTest::qWaitFor([&] { return isSummarized(id); }, 30000));
        QCOMPARE(summaryEvents(id), 1);
    }

    // A client that opened `id` on `server` and had one turn.
    std::unique_ptr<WsTestClient> chat(const ServerProcess &server, const QUuid &id,
                                       const QString &text) {
        auto client = std::make_unique<WsTestClient>();
        if (!client->open(WsTestClient::sessionUrl(server.url(), Ids::toText(id), u"ada"_s)) ||
            client->waitFor(u"session"_s).isEmpty())
            return nullptr;
        client->sendText(text);
        if (client->waitForTurn().isEmpty())
            return nullptr;
        return client;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_cluster = std::make_unique<PostgresCluster>();
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        QVERIFY(m_mock.start({u"--token-delay-ms"_s, u"5"_s}));
    }

    void init() {
        m_database = u"multi%1"_s.arg(++m_counter);
        QVERIFY2(m_cluster->createDatabase(m_database), qPrintable(m_cluster->errorString()));
    }

    void cleanupTestCase() {
        if (m_cluster)
            QVERIFY(m_cluster->stop());
    }

    void secondProcessOnOneSqliteFileIsRefused() {
        const QStringList arguments{
            u"--database-url"_s, u"sqlite://"_s + m_dir.filePath(u"single.db"_s),
            u"--data-dir"_s,     m_dir.filePath(u"single"_s),
            u"--llm-base-url"_s, m_mock.baseUrl().toString()};
        ServerProcess first;
        first.setLogName(u"tst_multiinstance-sqlite-first"_s);
        QVERIFY2(first.start(arguments), qPrintable(first.log()));
        ServerProcess second;
        second.setLogName(u"tst_multiinstance-sqlite-second"_s);
        QVERIFY(!second.start(arguments));
        QVERIFY(second.waitForExit());
        QCOMPARE(second.exitCode(), 1);
        const QString log = second.log();
        QVERIFY2(log.contains(u"already in use by another process (realtime-ai, pid %1"_s.arg(
                     first.processId())) &&
                     log.contains(u"PostgreSQL"_s),
                 qPrintable(log));
        // The lock of a killed process is taken over.
        first.kill();
        QVERIFY(first.waitForExit());
        ServerProcess third;
        third.setLogName(u"tst_multiinstance-sqlite-third"_s);
        QVERIFY2(third.start(arguments), qPrintable(third.log()));
        third.terminate();
        QVERIFY(third.waitForExit());
        QCOMPARE(third.exitCode(), 0);
    }

    void readinessReportsTheLease() {
        auto a = startInstance(u"ready"_s);
        QVERIFY(a);
        const QJsonObject instance = readyInstance(*a);
        const QString id = instance.value(u"id"_s).toString();
        QCOMPARE(count(u"SELECT count(*) FROM rtai_instances WHERE instance_id = '%1'"_s.arg(id)),
                 1);
        QCOMPARE(instance.value(u"lease_held"_s), QJsonValue(true));
        QVERIFY(instance.value(u"lease_age_ms"_s).toDouble(-1) >= 0);
        QVERIFY(instance.value(u"lease_age_ms"_s).toDouble(-1) < 3000);
        const QByteArray metrics = TestHttp::get(a->url().resolved(QUrl(u"/metrics"_s))).body;
        const QByteArray info = "rtai_instance_info{instance_id=\"" + id.toUtf8() + "\"} 1\n";
        QVERIFY2(metrics.contains(info), metrics.constData());
        QCOMPARE(metric(*a, "rtai_owned_sessions"), 0.0);
        a->terminate();
        QVERIFY(a->waitForExit());
    }

    // A heartbeat of 20 s: within the test only the notification can tell A.
    void sessionOpenedOnAnotherInstanceMovesThere() {
        auto a = startInstance(u"takeover-a"_s, 60, 20);
        QVERIFY(a);
        auto b = startInstance(u"takeover-b"_s, 60, 20);
        QVERIFY(b);
        takeOver(*a, *b, false);
        QVERIFY(a->log().contains(u"taken over by instance"_s));
        for (auto *server : {a.get(), b.get()}) {
            server->terminate();
            QVERIFY(server->waitForExit());
        }
    }

    // As behind a transaction pooler: no LISTEN, so only the heartbeat's owner check (every
    // second here) can tell A.
    void takeoverWithoutNotificationsIsFoundByTheHeartbeat() {
        QProcessEnvironment noListen;
        noListen.insert(u"RTAI_LEASE_LISTEN"_s, u"0"_s);
        auto a = startInstance(u"pooled-a"_s, 10, 1, noListen);
        QVERIFY(a);
        auto b = startInstance(u"pooled-b"_s, 10, 1, noListen);
        QVERIFY(b);
        takeOver(*a, *b, true);
        for (auto *server : {a.get(), b.get()}) {
            server->terminate();
            QVERIFY(server->waitForExit());
        }
    }

    void liveSessionSurvivesAnotherInstance() {
        auto a = startInstance(u"a"_s);
        QVERIFY(a);
        const QUuid id = QUuid::createUuid();
        auto client = chat(*a, id, u"Hello, my name is Ada."_s);
        QVERIFY(client);

        for (const QString &name : {u"b"_s, u"b-restarted"_s}) {
            const QUuid witness = abandonedSession();
            auto b = startInstance(name);
            QVERIFY(b);
            QVERIFY(QTest::qWaitFor([&] { return isSummarized(witness); }, 30000));
            QVERIFY(endsAtItsLastEvent(witness));
            // B recovered, claimed and summarized; A's live session is none of its business.
            QVERIFY(isActive(id));
            QCOMPARE(summaryEvents(id), 0);
            b->terminate();
            QVERIFY(b->waitForExit());
        }
        QVERIFY(isActive(id));
        client->sendText(u"What is my name?"_s);
        QVERIFY(WsTestClient::contentOf(client->waitForTurn()).contains(u"Ada"_s));

        // Leaving ends it on A, summarized once.
        client->close();
        QVERIFY(QTest::qWaitFor([&] { return isSummarized(id); }, 30000));
        QCOMPARE(summaryEvents(id), 1);
        a->terminate();
        QVERIFY(a->waitForExit());
    }

    void killedInstanceIsRecoveredOnce() {
        auto a = startInstance(u"killed"_s);
        QVERIFY(a);
        std::vector<std::unique_ptr<ServerProcess>> survivors;
        for (const QString &name : {u"survivor-1"_s, u"survivor-2"_s}) {
            survivors.push_back(startInstance(name));
            QVERIFY(survivors.back());
        }
        QList<QUuid> ids;
        std::vector<std::unique_ptr<WsTestClient>> clients;
        for (int i = 0; i < 4; ++i) {
            ids << QUuid::createUuid();
            clients.push_back(chat(*a, ids.last(), u"My name is Ada %1."_s.arg(i)));
            QVERIFY(clients.back());
        }
        a->kill();
        QVERIFY(a->waitForExit());
        QCOMPARE(a->exitStatus(), QProcess::CrashExit);
        for (const QUuid &id : ids)
            QVERIFY(isActive(id)); // nobody ended them at the kill

        for (const QUuid &id : ids) {
            QVERIFY2(QTest::qWaitFor([&] { return isSummarized(id); }, 30000),
                     qPrintable(Ids::toText(id)));
            QVERIFY(endsAtItsLastEvent(id));
        }
        for (const QUuid &id : ids)
            QCOMPARE(summaryEvents(id), 1);
        QVERIFY(value(u"SELECT string_agg(summary, '|') FROM sessions"_s).contains(u"Ada"_s));
        for (auto &survivor : survivors) {
            survivor->terminate();
            QVERIFY(survivor->waitForExit());
        }
    }

    // Every lease expires while PostgreSQL is down; after it is back each instance renews its
    // own (at reconnect) before it treats the others' expired leases as death. Here both
    // reconnect within a backoff step of each other; the recovery grace for an instance that
    // reconnects much later (Database::recoveryGraceMs) is not forced by this test.
    void postgresRestartEndsNoLiveSession() {
        auto a = startInstance(u"restart-a"_s);
        QVERIFY(a);
        auto b = startInstance(u"restart-b"_s);
        QVERIFY(b);
        const QUuid onA = QUuid::createUuid();
        auto clientA = chat(*a, onA, u"Hello, my name is Ada."_s);
        QVERIFY(clientA);
        const QUuid onB = QUuid::createUuid();
        auto clientB = chat(*b, onB, u"Hello, my name is Bo."_s);
        QVERIFY(clientB);

        QVERIFY(m_cluster->stop());
        QVERIFY(a->waitForLog(u"database unavailable"_s, 15000));
        QVERIFY(b->waitForLog(u"database unavailable"_s, 15000));
        QTest::qWait(3500); // down for longer than the 3 s lease
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        QVERIFY2(a->waitForLog(u"had expired before this heartbeat"_s, 30000),
                 qPrintable(a->log()));
        QVERIFY2(b->waitForLog(u"had expired before this heartbeat"_s, 30000),
                 qPrintable(b->log()));

        // Whichever instance recovers this one ran its recovery after the restart.
        const QUuid witness = abandonedSession();
        QVERIFY(QTest::qWaitFor([&] { return isSummarized(witness); }, 60000));
        QVERIFY(isActive(onA));
        QVERIFY(isActive(onB));
        clientA->sendText(u"What is my name?"_s);
        QVERIFY(WsTestClient::contentOf(clientA->waitForTurn()).contains(u"Ada"_s));
        clientB->sendText(u"What is my name?"_s);
        QVERIFY(WsTestClient::contentOf(clientB->waitForTurn()).contains(u"Bo"_s));
        for (auto *server : {a.get(), b.get()}) {
            server->terminate();
            QVERIFY(server->waitForExit());
        }
    }

    void everyEndedSessionIsSummarizedOnce() {
        // Ended sessions waiting for a summary before the instances start: all compete for them.
        {
            auto migrate = startInstance(u"schema"_s);
            QVERIFY(migrate);
            migrate->terminate();
            QVERIFY(migrate->waitForExit());
        }
        constexpr int kWaiting = 12;
        QStringList values;
        QList<QUuid> ids;
        for (int i = 0; i < kWaiting; ++i) {
            ids << QUuid::createUuid();
            values << u"('%1', 'waiting', now() - interval '1 minute', now())"_s.arg(
                Ids::toText(ids.last()));
        }
        QVERIFY(m_cluster->runSql(
            m_database,
            u"INSERT INTO sessions (session_id, user_id, start_time, end_time) VALUES %1; "
            "INSERT INTO session_events (session_id, event_type, content) SELECT session_id, "
            "'user_message', 'My name is Ada.' FROM sessions"_s.arg(values.join(u", "_s))));

        constexpr int kInstances = 3;
        std::vector<std::unique_ptr<ServerProcess>> instances;
        for (int i = 0; i < kInstances; ++i) {
            instances.push_back(startInstance(u"n%1"_s.arg(i)));
            QVERIFY(instances.back());
        }
        // And sessions that end on each of them while the others run.
        for (int i = 0; i < 9; ++i) {
            ids << QUuid::createUuid();
            auto client = chat(*instances.at(size_t(i % kInstances)), ids.last(),
                               u"Hi, I am Ada %1."_s.arg(i));
            QVERIFY(client);
            client->close();
        }
        for (const QUuid &id : ids)
            QVERIFY2(QTest::qWaitFor([&] { return isSummarized(id); }, 60000),
                     qPrintable(Ids::toText(id)));
        for (const QUuid &id : ids)
            QCOMPARE(summaryEvents(id), 1);
        QCOMPARE(count(u"SELECT count(*) FROM session_events WHERE event_type = 'summary'"_s),
                 int(ids.size()));
        for (auto &instance : instances) {
            instance->terminate();
            QVERIFY(instance->waitForExit());
            QCOMPARE(instance->exitCode(), 0);
        }
    }
};

QTEST_GUILESS_MAIN(TstMultiInstance)
#include "tst_multiinstance.moc"
