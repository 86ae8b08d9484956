// The load-balanced deployment of README ("A load-balanced deployment"): three real instances on
// one throwaway PostgreSQL behind Debian's haproxy running the project's own recipe
// (packaging/haproxy.cfg). Thirty clients chat through the balancer; the instance holding the
// most sessions is killed with SIGKILL while every client's turn is streaming. Every client of
// that instance reconnects through the balancer and resumes its session, with its history, on
// another instance; the turn that was in flight there is stored as interrupted, never silently
// gone. After everyone leaves, every session is ended and summarized exactly once, and every
// message the clients sent is stored. The failover time (the kill until the first of its
// clients is served again) is printed, not asserted.

#include "core/Ids.h"
#include "fixtures/Haproxy.h"
#include "fixtures/HaproxyProcess.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/PostgresCluster.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/WsTestClient.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

constexpr int kClients = 30;
constexpr int kInstances = 3;

// Names the mock LLM recognizes ("my name is" and a capitalized word), one per client.
QString nameOf(int i) {
    return u"Ad"_s + QChar(u'a' + i / 26) + QChar(u'a' + i % 26);
}

struct Client {
    QUuid id;
    QString user;
    std::unique_ptr<WsTestClient> socket;
    int sent = 0; // user messages sent
};

} // namespace

class TstLoadBalanced : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresCluster> m_cluster;
    MockLlmProcess m_mock;
    QTemporaryDir m_dir;
    std::vector<std::unique_ptr<ServerProcess>> m_instances;
    std::unique_ptr<Haproxy> m_balancer;
    const QString m_database = u"balanced"_s;

    int count(const QString &sql) { return m_cluster->queryValue(m_database, sql).toInt(); }

    QUrl balancerUrl() const {
        QUrl url;
        url.setScheme(u"http"_s);
        url.setHost(u"127.0.0.1"_s);
        url.setPort(m_balancer->port());
        return url;
    }

    // Opens `client`'s session through the balancer; true once the server sent `session`.
    bool connect(Client &client, QJsonObject *sessionFrame = nullptr) {
        client.socket = std::make_unique<WsTestClient>();
        if (!client.socket->open(
                WsTestClient::sessionUrl(balancerUrl(), Ids::toText(client.id), client.user), {},
                5000))
            return false;
        // A session that was another instance's opens once that one let go (or is found gone).
        const QJsonObject frame = client.socket->waitFor(u"session"_s, 20000);
        if (sessionFrame)
            *sessionFrame = frame;
        return !frame.isEmpty();
    }

    void send(Client &client, const QString &text) {
        client.socket->sendText(text);
        ++client.sent;
    }

    // The process id of the live instance that owns most of the live sessions.
    qint64 busiestInstance() {
        return m_cluster
            ->queryValue(m_database,
                         u"SELECT i.pid FROM sessions s JOIN rtai_instances i ON i.instance_id = "
                         "s.owner_instance WHERE s.end_time IS NULL GROUP BY i.pid ORDER BY "
                         "count(*) DESC LIMIT 1"_s)
            .toLongLong();
    }

private Q_SLOTS:
    void initTestCase() {
        if (HaproxyProcess::programPath().isEmpty())
            QFAIL("haproxy is not installed (scripts/test installs it)");
        QVERIFY(m_dir.isValid());
        m_cluster = std::make_unique<PostgresCluster>();
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        QVERIFY2(m_cluster->createDatabase(m_database), qPrintable(m_cluster->errorString()));
        // 40 tokens a second: a "long: 200" reply streams for 5 s.
        QVERIFY(m_mock.start({u"--token-delay-ms"_s, u"25"_s}));
        QList<int> ports;
        for (int i = 0; i < kInstances; ++i) {
            auto server = std::make_unique<ServerProcess>();
            const QString name = u"instance%1"_s.arg(i + 1);
            server->setLogName(u"tst_loadbalanced-"_s + name);
            QProcessEnvironment environment;
            environment.insert(u"RTAI_LEASE_HEARTBEAT_S"_s, u"1"_s);
            // Clients reconnect well within the expiry, as with the default 20 s: the sessions they
            // resume are not recovered (ended, summarized) as the dead instance's meanwhile.
            environment.insert(u"RTAI_LEASE_EXPIRY_S"_s, u"15"_s);
            QVERIFY2(server->start({u"--database-url"_s, m_cluster->url(m_database),
                                    u"--data-dir"_s, m_dir.filePath(name), u"--llm-base-url"_s,
                                    m_mock.baseUrl().toString(), u"--log-level"_s, u"info"_s},
                                   environment),
                     qPrintable(server->log()));
            ports << server->url().port();
            m_instances.push_back(std::move(server));
        }
        m_balancer = std::make_unique<Haproxy>(ports);
        QVERIFY2(m_balancer->start(), qPrintable(m_balancer->errorString()));
    }

    void cleanupTestCase() {
        m_balancer.reset();
        for (auto &server : m_instances) {
            if (server->isRunning()) {
                server->terminate();
                QVERIFY(server->waitForExit());
            }
        }
        if (m_cluster)
            QVERIFY(m_cluster->stop());
    }

    void killedInstanceIsFailedOver() {
        std::vector<Client> clients(kClients);
        for (int i = 0; i < kClients; ++i) {
            clients[i].id = QUuid::createUuid();
            clients[i].user = u"user%1"_s.arg(i);
            // Health checks mark instances up within a few seconds of the balancer's start.
            QVERIFY(QTest::qWaitFor([&] { return connect(clients[i]); }, 20000));
            send(clients[i], u"My name is %1."_s.arg(nameOf(i)));
        }
        for (Client &client : clients)
            QVERIFY(!client.socket->waitForTurn().isEmpty());
        QCOMPARE(count(u"SELECT count(DISTINCT owner_instance) FROM sessions"_s), kInstances);

        const qint64 victimPid = busiestInstance();
        ServerProcess *victim = nullptr;
        for (auto &server : m_instances) {
            if (server->processId() == victimPid)
                victim = server.get();
        }
        QVERIFY(victim);

        // Every client's next reply is streaming when the instance dies.
        for (Client &client : clients)
            send(client, u"long: 200"_s);
        for (Client &client : clients)
            QVERIFY(!client.socket->waitFor(u"content"_s).isEmpty());
        QElapsedTimer sinceKill;
        victim->kill();
        sinceKill.start();
        QVERIFY(victim->waitForExit());

        QList<int> orphaned;
        for (int i = 0; i < kClients; ++i) {
            // Its long reply ends (a second `done`), or its connection does.
            const auto replies = [&] {
                return WsTestClient::typesOf(clients[i].socket->frames()).count(u"done"_s);
            };
            QVERIFY(QTest::qWaitFor(
                [&] { return !clients[i].socket->isConnected() || replies() == 2; }, 30000));
            if (replies() < 2)
                orphaned << i;
        }
        QVERIFY(!orphaned.isEmpty());
        qint64 failoverMs = -1;
        for (int i : orphaned) {
            Client &client = clients[i];
            QJsonObject session;
            QVERIFY2(QTest::qWaitFor([&] { return connect(client, &session); }, 30000),
                     qPrintable(client.user));
            if (failoverMs < 0)
                failoverMs = sinceKill.elapsed();
            QVERIFY(session.value(u"resumed"_s).toBool());
            const QJsonObject history = client.socket->waitFor(u"history"_s, 5000);
            const QByteArray text = QJsonDocument(history).toJson();
            QVERIFY2(text.contains(u"My name is %1."_s.arg(nameOf(i)).toUtf8()), text.constData());
        }
        qInfo("failover: %lld ms from the SIGKILL until the first of its %lld clients was "
              "served again by another instance",
              failoverMs, qint64(orphaned.size()));

        for (int i = 0; i < kClients; ++i) {
            Client &client = clients[i];
            if (!orphaned.contains(i))
                QVERIFY(!client.socket->waitForTurn(30000).isEmpty()); // the long reply
            send(client, u"What is my name?"_s);
            const QString answer = WsTestClient::contentOf(client.socket->waitForTurn());
            QVERIFY2(answer.contains(nameOf(i)), qPrintable(answer));
        }
        for (Client &client : clients)
            client.socket->close();

        for (const Client &client : clients) {
            const QString id = Ids::toText(client.id);
            QVERIFY2(QTest::qWaitFor(
                         [&] {
                             return count(u"SELECT count(*) FROM sessions WHERE session_id = "
                                          "'%1' AND end_time IS NOT NULL AND summary IS NOT "
                                          "NULL"_s.arg(id)) == 1;
                         },
                         60000),
                     qPrintable(id));
            QCOMPARE(count(u"SELECT count(*) FROM session_events WHERE session_id = '%1' AND "
                           "event_type = 'summary'"_s.arg(id)),
                     1);
            QCOMPARE(count(u"SELECT count(*) FROM session_events WHERE session_id = '%1' AND "
                           "event_type = 'user_message'"_s.arg(id)),
                     client.sent);
            // Every question has its answer, or is marked as interrupted (same turn_id).
            QCOMPARE(count(u"SELECT count(*) FROM session_events q WHERE q.session_id = '%1' "
                           "AND q.event_type = 'user_message' AND NOT EXISTS (SELECT 1 FROM "
                           "session_events a WHERE a.session_id = q.session_id AND "
                           "a.event_type IN ('assistant_message', 'error') AND "
                           "a.metadata->>'turn_id' = q.metadata->>'turn_id')"_s.arg(id)),
                     0);
        }
    }
};

QTEST_GUILESS_MAIN(TstLoadBalanced)
#include "tst_loadbalanced.moc"
