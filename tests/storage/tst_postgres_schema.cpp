// A database set up by the original service's setup_db.sql (run verbatim, row level security
// on) is accepted unchanged, migrated forward, and its rows are readable.
#include "core/Ids.h"
#include "fixtures/FutureWait.h"
#include "fixtures/PostgresCluster.h"
#include "fixtures/TestEnvironment.h"
#include "storage/Database.h"

#include <QDir>
#include <QTest>
#include <memory>
#include <stdexcept>

using namespace Qt::StringLiterals;

namespace {

using FutureWait::result;

QString seedScript() {
    return QDir(TestEnvironment::sourceDir()).filePath(u"tests/storage/data/seed_setup_db.sql"_s);
}

// Column name, type and nullability of a table, one per line, in column order.
QString columns(PostgresCluster &cluster, const QString &db, const QString &table) {
    return cluster.queryValue(
        db, u"SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable || ' ' || "
            "coalesce(column_default, '-'), E'\\n' ORDER BY ordinal_position) FROM "
            "information_schema.columns WHERE table_name = '%1'"_s.arg(table));
}

} // namespace

class TestPostgresSchema : public QObject {
    Q_OBJECT
    std::unique_ptr<PostgresCluster> m_cluster;

private Q_SLOTS:
    void initTestCase() {
        m_cluster = std::make_unique<PostgresCluster>();
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        QVERIFY(QFile::exists(seedScript()));
    }

    void seedSchemaIsAcceptedAndMigrated() {
        QVERIFY(m_cluster->createDatabase(u"seed"_s));
        QVERIFY2(m_cluster->runScript(u"seed"_s, seedScript()),
                 qPrintable(m_cluster->errorString()));
        const QString sessionsBefore = columns(*m_cluster, u"seed"_s, u"sessions"_s);
        const QString eventsBefore = columns(*m_cluster, u"seed"_s, u"session_events"_s);
        // Rows as the original service wrote them: defaults for times, JSON metadata or none.
        const QString legacy = u"6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b"_s;
        const QString legacyEnded = u"7f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b"_s;
        QVERIFY2(
            m_cluster->runSql(
                u"seed"_s,
                u"INSERT INTO sessions (session_id, user_id) VALUES ('%1', 'Pavithra');"
                "INSERT INTO sessions (session_id, user_id, end_time, summary) VALUES "
                "('%2', 'Ada', now(), 'Ada shipped 5 kg.');"
                "INSERT INTO session_events (session_id, event_type, content, metadata) VALUES "
                "('%1', 'user_message', 'Hello, I''m Pavithra', NULL),"
                "('%1', 'ai_response', 'Hi Pavithra!', '{\"model\": \"gpt-4o-mini\"}'),"
                "('%1', 'tool_call', 'calculate_shipping', '{\"args\": {\"kg\": 5}}');"_s.arg(
                    legacy, legacyEnded)),
            qPrintable(m_cluster->errorString()));

        {
            Database db;
            const QFuture<void> opened = db.open(m_cluster->url(u"seed"_s));
            QVERIFY(FutureWait::wait(opened));
            QCOMPARE(FutureWait::errorOf(opened), QString());

            const std::optional<Session> session = result(db.session(QUuid::fromString(legacy)));
            QVERIFY(session);
            QCOMPARE(session->userId, u"Pavithra"_s);
            QVERIFY(session->startTime.isValid());
            QVERIFY(session->isActive());
            QCOMPARE(session->messageCount, 1); // ai_response is not one of ours
            const QList<Event> events = result(db.events(QUuid::fromString(legacy)));
            QCOMPARE(events.size(), 3);
            QCOMPARE(events.at(0).content, u"Hello, I'm Pavithra"_s);
            QVERIFY(events.at(0).metadata.isEmpty());
            QCOMPARE(events.at(1).type, u"ai_response"_s);
            QCOMPARE(events.at(1).metadata.value(u"model"_s).toString(), u"gpt-4o-mini"_s);
            QCOMPARE(events.at(2).metadata.value(u"args"_s).toObject().value(u"kg"_s).toInt(), 5);
            QVERIFY(events.at(0).createdAt.isValid());

            const Session ended = *result(db.session(QUuid::fromString(legacyEnded)));
            QCOMPARE(ended.summary, u"Ada shipped 5 kg."_s);
            QVERIFY(result(db.sessionsNeedingSummary(3)).isEmpty());

            // New rows next to the old ones.
            const QUuid id = Ids::newSessionId();
            db.createSession(id, u"new"_s, QDateTime::currentDateTimeUtc());
            db.appendEvent(Event::make(id, EventType::UserMessage, u"hi"_s));
            db.endSession(id, QDateTime::currentDateTimeUtc());
            QCOMPARE(result(db.events(id)).size(), 1);
            QCOMPARE(result(db.sessions({})).sessions.size(), 3);
            QCOMPARE(result(db.endAbandonedSessions()), QList<QUuid>{QUuid::fromString(legacy)});
        }

        // Unchanged: the seed's columns, in order, with their types and defaults; RLS still on.
        QVERIFY(columns(*m_cluster, u"seed"_s, u"sessions"_s).startsWith(sessionsBefore + u'\n'));
        QCOMPARE(columns(*m_cluster, u"seed"_s, u"session_events"_s), eventsBefore);
        QCOMPARE(m_cluster->queryValue(u"seed"_s,
                                       u"SELECT string_agg(relname || '=' || relrowsecurity, ',' "
                                       "ORDER BY relname) FROM pg_class WHERE relname IN "
                                       "('sessions', 'session_events')"_s),
                 u"session_events=true,sessions=true"_s);
        QCOMPARE(m_cluster->queryValue(u"seed"_s, u"SELECT string_agg(name, ',' ORDER BY version) "
                                                  "FROM rtai_schema_migrations"_s),
                 u"001_initial.sql,002_summary_state.sql,003_instances.sql,004_titles.sql,"
                 "005_search.sql"_s);
        QCOMPARE(m_cluster->queryValue(u"seed"_s, u"SELECT count(*) FROM session_events"_s),
                 u"4"_s);
    }

    void freshSchemaMatchesTheSeed() {
        QVERIFY(m_cluster->createDatabase(u"seedref"_s));
        QVERIFY(m_cluster->runScript(u"seedref"_s, seedScript()));
        QVERIFY(m_cluster->createDatabase(u"fresh"_s));
        {
            Database db;
            const QFuture<void> opened = db.open(m_cluster->url(u"fresh"_s));
            QVERIFY(FutureWait::wait(opened));
            QCOMPARE(FutureWait::errorOf(opened), QString());
        }
        const QString seedSessions = columns(*m_cluster, u"seedref"_s, u"sessions"_s);
        QVERIFY(!seedSessions.isEmpty());
        QVERIFY(columns(*m_cluster, u"fresh"_s, u"sessions"_s).startsWith(seedSessions + u'\n'));
        QCOMPARE(columns(*m_cluster, u"fresh"_s, u"session_events"_s),
                 columns(*m_cluster, u"seedref"_s, u"session_events"_s));
    }

    void concurrentOpensMigrateOnce() {
        QVERIFY(m_cluster->createDatabase(u"race"_s));
        std::vector<std::unique_ptr<Database>> databases;
        QList<QFuture<void>> opens;
        for (int i = 0; i < 4; ++i) {
            databases.push_back(std::make_unique<Database>());
            opens << databases.back()->open(m_cluster->url(u"race"_s));
        }
        for (const QFuture<void> &open : opens) {
            QVERIFY(FutureWait::wait(open));
            QCOMPARE(FutureWait::errorOf(open), QString());
        }
        QCOMPARE(m_cluster->queryValue(u"race"_s, u"SELECT count(*) FROM rtai_schema_migrations"_s),
                 u"5"_s);
    }
};

QTEST_GUILESS_MAIN(TestPostgresSchema)
#include "tst_postgres_schema.moc"
