// Through pgbouncer in transaction mode (like Supabase's pooler on port 6543), with a pool of two
// server connections that other clients keep busy: named prepared statements break there (the
// control below shows it), and every operation of ours must still succeed.
#include "core/Ids.h"
#include "fixtures/FutureWait.h"
#include "fixtures/PgBouncer.h"
#include "fixtures/PostgresCluster.h"
#include "storage/Database.h"

#include <QProcess>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryFile>
#include <QTest>
#include <QTimeZone>
#include <memory>
#include <stdexcept>

using namespace Qt::StringLiterals;

namespace {

using FutureWait::result;

} // namespace

class TestPostgresPooler : public QObject {
    Q_OBJECT
    std::unique_ptr<PostgresCluster> m_cluster;
    std::unique_ptr<PgBouncer> m_bouncer;
    QTemporaryFile m_loadScript;
    QProcess m_load;

    // Other clients through the pooler, each holding a transaction open for a moment, again and
    // again, so consecutive transactions of one client land on different server connections.
    bool startLoad() {
        if (!m_loadScript.open())
            return false;
        m_loadScript.write("BEGIN;\nSELECT pg_sleep(0.003);\nCOMMIT;\n");
        m_loadScript.flush();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"PGPASSWORD"_s, QString::fromLatin1(PostgresCluster::kPassword));
        m_load.setProcessEnvironment(env);
        m_load.setProcessChannelMode(QProcess::MergedChannels);
        m_load.start(PostgresCluster::binDir() + u"/pgbench"_s,
                     {u"-n"_s, u"-c"_s, u"3"_s, u"-T"_s, u"600"_s, u"-f"_s, m_loadScript.fileName(),
                      u"-h"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(m_bouncer->port()), u"-U"_s,
                      QString::fromLatin1(PostgresCluster::kUser), u"app"_s});
        return m_load.waitForStarted();
    }

private Q_SLOTS:
    void initTestCase() {
        m_cluster = std::make_unique<PostgresCluster>();
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        QVERIFY(m_cluster->createDatabase(u"app"_s));
        m_bouncer = std::make_unique<PgBouncer>(*m_cluster, 2);
        QVERIFY2(m_bouncer->start(), qPrintable(m_bouncer->errorString()));
        QVERIFY(startLoad());
        QTest::qWait(500);
        QCOMPARE(m_load.state(), QProcess::Running);
    }

    void cleanupTestCase() {
        m_load.kill();
        m_load.waitForFinished();
    }

    // The control: QPSQL's prepared statements fail through the pooler. Between PREPARE and
    // EXECUTE another client opens a transaction, which takes the server connection that holds
    // the statement (pgbouncer hands out the most recently used one first), so EXECUTE lands on
    // another one. If this ever stops failing, the test below no longer proves anything.
    void preparedStatementsBreakHere() {
        int failures = 0;
        {
            const auto connect = [this](const QString &name) {
                QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
                db.setHostName(u"127.0.0.1"_s);
                db.setPort(m_bouncer->port());
                db.setUserName(QString::fromLatin1(PostgresCluster::kUser));
                db.setPassword(QString::fromLatin1(PostgresCluster::kPassword));
                db.setDatabaseName(u"app"_s);
                return db;
            };
            QSqlDatabase db = connect(u"control"_s);
            QSqlDatabase holder = connect(u"holder"_s);
            QVERIFY2(db.open(), qPrintable(db.lastError().text()));
            QVERIFY2(holder.open(), qPrintable(holder.lastError().text()));
            for (int i = 0; i < 60; ++i) {
                QSqlQuery query(db);
                if (!query.prepare(u"SELECT ?::int + 1"_s)) {
                    ++failures;
                    continue;
                }
                QSqlQuery hold(holder);
                QVERIFY(hold.exec(u"BEGIN"_s));
                QVERIFY(hold.exec(u"SELECT 1"_s));
                query.addBindValue(i);
                if (!query.exec() || !query.next() || query.value(0).toInt() != i + 1)
                    ++failures;
                QVERIFY(hold.exec(u"COMMIT"_s));
                QTest::qWait(2);
            }
            db.close();
            holder.close();
        }
        QSqlDatabase::removeDatabase(u"holder"_s);
        QSqlDatabase::removeDatabase(u"control"_s);
        qInfo("%d of 60 prepared executions failed through the pooler", failures);
        QVERIFY(failures > 0);
    }

    void everyOperationWorksThroughThePooler() {
        Database db;
        QSignalSpy health(&db, &Database::healthChanged);
        const QFuture<void> opened = db.open(m_bouncer->url(u"app"_s, u"sslmode=disable"_s));
        QVERIFY(FutureWait::wait(opened));
        QCOMPARE(FutureWait::errorOf(opened), QString());

        const QDateTime start(QDate(2026, 3, 1), QTime(12, 0), QTimeZone::utc());
        QList<QUuid> ids;
        for (int s = 0; s < 20; ++s) {
            ids << Ids::newSessionId();
            db.createSession(ids.last(), u"user'%1"_s.arg(s % 3), start.addSecs(s));
            for (int e = 0; e < 25; ++e) {
                Event event = Event::make(
                    ids.last(), e % 2 ? EventType::AssistantMessage : EventType::UserMessage,
                    u"message %1 of %2 \\ '?'"_s.arg(e).arg(s), {{u"n"_s, e}});
                db.appendEvent(event);
            }
            // Reads interleaved with the writes.
            QCOMPARE(result(db.events(ids.last(), 0, 100)).size(), 25);
            QCOMPARE(result(db.session(ids.last()))->messageCount, 25);
            if (s % 2) {
                db.endSession(ids.last(), start.addSecs(s + 100));
                db.recordSummaryFailure(ids.last(), u"try again"_s);
            }
        }
        db.setSummary(ids.at(1), u"summary"_s);
        QCOMPARE(result(db.sessionsNeedingSummary(3)).size(), 9);
        SessionQuery query;
        query.limit = 7;
        int listed = 0;
        for (;;) {
            const SessionPage page = result(db.sessions(query));
            listed += int(page.sessions.size());
            if (!page.nextBefore.isValid())
                break;
            query.before = page.nextBefore;
        }
        QCOMPARE(listed, 20);
        QVERIFY(result(db.deleteSession(ids.at(0))));
        QVERIFY(result(db.endAbandonedSessions()).isEmpty()); // its own live sessions
        QVERIFY(m_cluster->runSql(u"app"_s, u"UPDATE sessions SET owner_instance = 'gone'"_s));
        QCOMPARE(result(db.endAbandonedSessions()).size(), 9);
        QVERIFY(FutureWait::wait(db.flush()));

        QCOMPARE(m_load.state(), QProcess::Running); // the load ran all along
        QCOMPARE(m_cluster->queryValue(u"app"_s, u"SELECT count(*) FROM session_events"_s),
                 u"475"_s);
        QCOMPARE(m_cluster->queryValue(u"app"_s, u"SELECT count(*) FROM sessions"_s), u"19"_s);
        QCOMPARE(m_cluster->queryValue(u"app"_s, u"SELECT count(*) FROM session_events WHERE "
                                                 "strpos(content, E' \\\\ ''?''') > 0"_s),
                 u"475"_s);
        QVERIFY(db.isHealthy());
        QCOMPARE(health.size(), 1); // healthy once, never lost
    }
};

QTEST_GUILESS_MAIN(TestPostgresPooler)
#include "tst_postgres_pooler.moc"
