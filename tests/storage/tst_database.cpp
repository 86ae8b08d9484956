// The storage contract, run against SQLite (tst_database_sqlite) and a throwaway PostgreSQL
// cluster (tst_database_postgres) with the same code.
#include "core/Event.h"
#include "core/Ids.h"
#include "core/Timestamps.h"
#include "fixtures/FutureWait.h"
#include "fixtures/PostgresCluster.h"
#include "storage/Database.h"

#include <QDir>
#include <QJsonArray>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>
#include <memory>
#include <stdexcept>

using namespace Qt::StringLiterals;

namespace {

using FutureWait::result;

void finish(QFuture<void> future) {
    if (!FutureWait::wait(future))
        throw std::runtime_error("storage future did not finish in time");
    future.waitForFinished(); // rethrows a failure
}

QDateTime at(int seconds, int ms = 0) {
    return QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5), QTimeZone::utc())
        .addSecs(seconds)
        .addMSecs(ms);
}

Event makeEvent(const QUuid &session, const QString &type, const QString &content,
                const QDateTime &time, const QJsonObject &metadata = {}) {
    Event e = Event::make(session, type, content, metadata);
    e.createdAt = time;
    return e;
}

} // namespace

class TestDatabase : public QObject {
    Q_OBJECT

    bool postgres() const { return RTAI_TEST_POSTGRES; }

    // A fresh, empty database for each test function.
    QString freshUrl() {
        ++m_counter;
        if (postgres()) {
            const QString name = u"t%1"_s.arg(m_counter);
            if (!m_cluster->createDatabase(name))
                qFatal("%s", qPrintable(m_cluster->errorString()));
            m_currentDb = name;
            return m_cluster->url(name);
        }
        m_currentDb = m_dir->filePath(u"t%1/test.db"_s.arg(m_counter));
        return u"sqlite://"_s + m_currentDb;
    }

    std::unique_ptr<Database> openFresh() {
        auto db = std::make_unique<Database>();
        finish(db->open(freshUrl()));
        return db;
    }

    // One value read directly, bypassing Database.
    QString scalar(const QString &sql) {
        if (postgres())
            return m_cluster->queryValue(m_currentDb, sql);
        QString value;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"inspect"_s);
            db.setDatabaseName(m_currentDb);
            if (db.open()) {
                QSqlQuery query(db);
                if (query.exec(sql) && query.next())
                    value = query.value(0).toString();
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(u"inspect"_s);
        return value;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<PostgresCluster> m_cluster;
    QString m_currentDb;
    int m_counter = 0;

private Q_SLOTS:
    void initTestCase() {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        if (postgres()) {
            m_cluster = std::make_unique<PostgresCluster>();
            QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        }
    }

    void cleanupTestCase() {
        if (m_cluster)
            QVERIFY(m_cluster->stop());
    }

    void openReportsBackendAndHealth() {
        Database db;
        QSignalSpy health(&db, &Database::healthChanged);
        QVERIFY(!db.isHealthy());
        finish(db.open(freshUrl()));
        QCOMPARE(db.backendName(), postgres() ? u"postgresql"_s : u"sqlite"_s);
        QTRY_VERIFY(db.isHealthy());
        QCOMPARE(health.first().at(0).toBool(), true);
    }

    void migrationsAppliedOnce() {
        const QString url = freshUrl();
        {
            Database db;
            finish(db.open(url));
        }
        const QString applied = scalar(u"SELECT count(*) FROM rtai_schema_migrations"_s);
        QVERIFY(applied.toInt() >= 2);
        {
            Database db;
            finish(db.open(url));
            const QUuid id = Ids::newSessionId();
            db.createSession(id, u"u"_s, at(0));
            QVERIFY(result(db.session(id)).has_value());
        }
        QCOMPARE(scalar(u"SELECT count(*) FROM rtai_schema_migrations"_s), applied);
        QCOMPARE(scalar(u"SELECT count(DISTINCT version) FROM rtai_schema_migrations"_s), applied);
    }

    void invalidUrlFailsClearly() {
        Database db;
        const QString error = FutureWait::errorOf(db.open(u"postgresql://u:secret@host:99999/d"_s));
        QVERIFY2(error.contains(u"port"_s), qPrintable(error));
        QVERIFY(!error.contains(u"secret"_s));
        QVERIFY(!db.isHealthy());
    }

    void unreachableServerFailsClearly() {
        if (!postgres())
            QSKIP("PostgreSQL only");
        Database db;
        const int port = PostgresCluster::freePort();
        auto future = db.open(
            u"postgresql://rtai:secret@127.0.0.1:%1/postgres?connect_timeout=5"_s.arg(port));
        QVERIFY(FutureWait::wait(future));
        const QString error = FutureWait::errorOf(future);
        QVERIFY2(error.contains(u"cannot connect"_s), qPrintable(error));
        QVERIFY2(error.contains(QString::number(port)), qPrintable(error));
        QVERIFY(!error.contains(u"secret"_s));
    }

    void readBeforeOpenFails() {
        Database db;
        const QString error = FutureWait::errorOf(db.session(Ids::newSessionId()));
        QVERIFY2(error.contains(u"not open"_s), qPrintable(error));
    }

    void writesBeforeOpenAreKept() {
        Database db;
        const QUuid id = Ids::newSessionId();
        db.createSession(id, u"early"_s, at(0));
        db.appendEvent(makeEvent(id, EventType::UserMessage, u"hi"_s, at(1)));
        QCOMPARE(db.queueDepth(), 2);
        finish(db.open(freshUrl()));
        QCOMPARE(result(db.events(id)).size(), 1);
        QTRY_COMPARE(db.queueDepth(), 0);
    }

    void createAndReadSession() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"Pavithra"_s, at(0, 123));
        const std::optional<Session> session = result(db->session(id));
        QVERIFY(session);
        QCOMPARE(session->id, id);
        QCOMPARE(session->userId, u"Pavithra"_s);
        QCOMPARE(session->startTime, at(0, 123));
        QVERIFY(session->isActive());
        QVERIFY(session->summary.isEmpty());
        QCOMPARE(session->messageCount, 0);
        QVERIFY(!result(db->session(Ids::newSessionId())).has_value());
    }

    void createExistingSessionIsNoOp() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"first"_s, at(0));
        db->appendEvent(makeEvent(id, EventType::UserMessage, u"hello"_s, at(1)));
        db->createSession(id, u"second"_s, at(50));
        const Session session = *result(db->session(id));
        QCOMPARE(session.userId, u"first"_s);
        QCOMPARE(session.startTime, at(0));
        QCOMPARE(session.messageCount, 1);
    }

    void endAndReopenSession() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        db->endSession(id, at(10, 5));
        Session session = *result(db->session(id));
        QVERIFY(!session.isActive());
        QCOMPARE(session.endTime, at(10, 5));
        db->setSummary(id, u"old summary"_s);
        db->createSession(id, u"u"_s, at(20));
        session = *result(db->session(id));
        QVERIFY(session.isActive());
        QCOMPARE(session.startTime, at(0));
        QVERIFY(session.summary.isEmpty());
    }

    void eventsRoundTripInOrder() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        QJsonObject metadata{
            {u"model"_s, u"gpt-4o-mini"_s},
            {u"usage"_s, QJsonObject{{u"prompt_tokens"_s, 12}, {u"completion_tokens"_s, 34}}},
            {u"interrupted"_s, false},
            {u"ttft_ms"_s, 250.5},
            {u"tool_calls"_s, QJsonArray{u"a"_s, 1, QJsonValue()}}};
        const QStringList types = {
            EventType::SessionStart, EventType::UserMessage,      EventType::ToolCall,
            EventType::ToolResult,   EventType::AssistantMessage, EventType::Error,
            EventType::SessionEnd,   EventType::Summary,          u"legacy_type"_s};
        for (int i = 0; i < types.size(); ++i)
            db->appendEvent(makeEvent(id, types.at(i), u"content %1"_s.arg(i), at(i, 7), metadata));
        const QList<Event> events = result(db->events(id));
        QCOMPARE(events.size(), types.size());
        for (int i = 0; i < types.size(); ++i) {
            const Event &e = events.at(i);
            QCOMPARE(e.type, types.at(i));
            QCOMPARE(e.content, u"content %1"_s.arg(i));
            QCOMPARE(e.sessionId, id);
            QCOMPARE(e.createdAt, at(i, 7));
            QCOMPARE(e.metadata, metadata);
            if (i > 0)
                QVERIFY(e.id > events.at(i - 1).id);
        }
        QCOMPARE(result(db->session(id))->messageCount, 2);
    }

    void emptyAndNullContent() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        db->appendEvent(makeEvent(id, EventType::SessionStart, QString(), at(1)));
        db->appendEvent(makeEvent(id, EventType::UserMessage, u""_s, at(2)));
        const QList<Event> events = result(db->events(id));
        QCOMPARE(events.size(), 2);
        QVERIFY(events.at(0).content.isEmpty());
        QVERIFY(events.at(0).metadata.isEmpty());
        QVERIFY(events.at(1).content.isEmpty());
    }

    void invalidTimesAreStoredAsNow() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
        db->createSession(id, u"u"_s, QDateTime());
        Event e = makeEvent(id, EventType::UserMessage, u"x"_s, QDateTime());
        db->appendEvent(e);
        db->endSession(id, QDateTime());
        const Session session = *result(db->session(id));
        QVERIFY(session.startTime >= before);
        QVERIFY(session.endTime >= session.startTime);
        const QList<Event> events = result(db->events(id));
        QCOMPARE(events.size(), 1);
        QVERIFY(events.at(0).createdAt >= before);
    }

    void eventsPaging() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        const QUuid other = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        db->createSession(other, u"u"_s, at(0));
        for (int i = 0; i < 25; ++i) {
            db->appendEvent(makeEvent(id, EventType::UserMessage, QString::number(i), at(i)));
            db->appendEvent(makeEvent(other, EventType::UserMessage, u"other"_s, at(i)));
        }
        QStringList seen;
        qint64 after = 0;
        QList<int> sizes;
        for (;;) {
            const QList<Event> page = result(db->events(id, after, 10));
            if (page.isEmpty())
                break;
            sizes << int(page.size());
            for (const Event &e : page)
                seen << e.content;
            after = page.constLast().id;
        }
        QCOMPARE(sizes, (QList<int>{10, 10, 5}));
        QStringList expected;
        for (int i = 0; i < 25; ++i)
            expected << QString::number(i);
        QCOMPARE(seen, expected);
    }

    // A long session is read whole (summaries, resume), past the 10,000-row cap of one page.
    void allEventsReadsPastOnePage() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        constexpr int kCount = 10500;
        for (int i = 0; i < kCount; ++i)
            db->appendEvent(makeEvent(id, EventType::UserMessage, QString::number(i), at(1)));
        const QList<Event> events = result(db->allEvents(id), 60000);
        QCOMPARE(events.size(), kCount);
        QCOMPARE(events.first().content, u"0"_s);
        QCOMPARE(events.last().content, QString::number(kCount - 1));
        QVERIFY(std::is_sorted(events.cbegin(), events.cend(),
                               [](const Event &a, const Event &b) { return a.id < b.id; }));
        QVERIFY(result(db->allEvents(Ids::newSessionId())).isEmpty());
    }

    void messageCountCountsUserAndAssistant() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        for (const QString &type :
             {EventType::SessionStart, EventType::UserMessage, EventType::ToolCall,
              EventType::ToolResult, EventType::AssistantMessage, EventType::UserMessage,
              EventType::Error, EventType::SessionEnd})
            db->appendEvent(makeEvent(id, type, u"x"_s, at(1)));
        QCOMPARE(result(db->session(id))->messageCount, 3);
        QCOMPARE(result(db->sessions({})).sessions.constFirst().messageCount, 3);
    }

    void sessionUsageSumsRepliesPerModel() {
        auto db = openFresh();
        const QUuid used = Ids::newSessionId();
        const QUuid quiet = Ids::newSessionId();
        db->createSession(used, u"u"_s, at(0));
        db->createSession(quiet, u"u"_s, at(0));
        const auto reply = [](const QString &model, int prompt, int completion, int ttft) {
            return QJsonObject{{u"model"_s, model},
                               {u"usage"_s, QJsonObject{{u"prompt_tokens"_s, prompt},
                                                        {u"completion_tokens"_s, completion}}},
                               {u"ttft_ms"_s, ttft}};
        };
        db->appendEvent(makeEvent(used, EventType::UserMessage, u"q"_s, at(1)));
        db->appendEvent(makeEvent(used, EventType::AssistantMessage, u"a"_s, at(2),
                                  reply(u"m1"_s, 10, 20, 100)));
        db->appendEvent(makeEvent(used, EventType::ToolCall, u"{}"_s, at(3)));
        db->appendEvent(makeEvent(used, EventType::ToolResult, u"{}"_s, at(3)));
        db->appendEvent(makeEvent(used, EventType::ToolCall, u"{}"_s, at(3)));
        // No first token (-1): counted for tokens, not for the time to first token.
        db->appendEvent(
            makeEvent(used, EventType::AssistantMessage, u"b"_s, at(4), reply(u"m1"_s, 5, 7, -1)));
        db->appendEvent(
            makeEvent(used, EventType::AssistantMessage, u"c"_s, at(5), reply(u"m2"_s, 1, 2, 300)));
        // From before usage was stored, or written by someone else: counted as a reply only.
        db->appendEvent(makeEvent(used, EventType::AssistantMessage, u"d"_s, at(6),
                                  {{u"usage"_s, QJsonObject{{u"prompt_tokens"_s, u"many"_s}}},
                                   {u"ttft_ms"_s, u"soon"_s}}));
        db->appendEvent(
            makeEvent(used, EventType::Summary, u"s"_s, at(7), reply(u"m1"_s, 99, 99, 9)));

        const QHash<QUuid, SessionUsage> usage =
            result(db->sessionUsage({used, quiet, Ids::newSessionId()}));
        QCOMPARE(usage.size(), 2); // the unknown id is left out
        const SessionUsage &u = usage.value(used);
        QCOMPARE(u.replies, 4);
        QCOMPARE(u.toolCalls, 2);
        QCOMPARE(u.byModel.size(), 3);
        QCOMPARE(u.byModel.value(u"m1"_s), (SessionUsage::Tokens{15, 27}));
        QCOMPARE(u.byModel.value(u"m2"_s), (SessionUsage::Tokens{1, 2}));
        QCOMPARE(u.byModel.value(QString()), (SessionUsage::Tokens{0, 0}));
        QCOMPARE(u.promptTokens(), 16);
        QCOMPARE(u.completionTokens(), 29);
        QCOMPARE(u.ttftCount, 2);
        QCOMPARE(u.meanTtftMs(), std::optional<qint64>(200));
        QVERIFY(usage.contains(quiet));
        QCOMPARE(usage.value(quiet), SessionUsage{});
        QCOMPARE(result(db->sessionUsage({})).size(), 0);
    }

    void sessionsPagingAndFilters() {
        auto db = openFresh();
        QList<QUuid> ids; // ids.at(i) started at at(i)
        for (int i = 0; i < 7; ++i) {
            ids << Ids::newSessionId();
            db->createSession(ids.last(), i % 2 ? u"bob"_s : u"alice"_s, at(i * 60));
            if (i < 3)
                db->endSession(ids.last(), at(i * 60 + 30));
        }
        // Newest first, three per page.
        QList<QUuid> listed;
        SessionQuery query;
        query.limit = 3;
        int pages = 0;
        for (;;) {
            const SessionPage page = result(db->sessions(query));
            ++pages;
            for (const Session &s : page.sessions)
                listed << s.id;
            if (!page.nextBefore.isValid())
                break;
            QCOMPARE(page.sessions.size(), 3);
            QCOMPARE(page.nextBefore, page.sessions.constLast().startTime);
            query.before = page.nextBefore;
        }
        QCOMPARE(pages, 3);
        QCOMPARE(listed, (QList<QUuid>{ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}));

        SessionQuery bob;
        bob.userId = u"bob"_s;
        const SessionPage bobs = result(db->sessions(bob));
        QCOMPARE(bobs.sessions.size(), 3);
        for (const Session &s : bobs.sessions)
            QCOMPARE(s.userId, u"bob"_s);
        QVERIFY(!bobs.nextBefore.isValid());

        SessionQuery active;
        active.status = SessionQuery::Status::Active;
        const SessionPage actives = result(db->sessions(active));
        QCOMPARE(actives.sessions.size(), 4);
        for (const Session &s : actives.sessions)
            QVERIFY(s.isActive());

        SessionQuery ended;
        ended.status = SessionQuery::Status::Ended;
        ended.userId = u"alice"_s;
        const SessionPage endeds = result(db->sessions(ended));
        QCOMPARE(endeds.sessions.size(), 2); // sessions 0 and 2
        QCOMPARE(endeds.sessions.at(0).id, ids[2]);
        QCOMPARE(endeds.sessions.at(1).id, ids[0]);

        SessionQuery nobody;
        nobody.userId = u"nobody"_s;
        QVERIFY(result(db->sessions(nobody)).sessions.isEmpty());

        SessionQuery exact; // exactly `limit` sessions: no next page
        exact.limit = 7;
        const SessionPage all = result(db->sessions(exact));
        QCOMPARE(all.sessions.size(), 7);
        QVERIFY(!all.nextBefore.isValid());
    }

    void deleteSessionCascades() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        const QUuid kept = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        db->createSession(kept, u"u"_s, at(0));
        for (int i = 0; i < 5; ++i) {
            db->appendEvent(makeEvent(id, EventType::UserMessage, u"x"_s, at(i)));
            db->appendEvent(makeEvent(kept, EventType::UserMessage, u"y"_s, at(i)));
        }
        QVERIFY(result(db->deleteSession(id)));
        QVERIFY(!result(db->session(id)).has_value());
        QVERIFY(result(db->events(id)).isEmpty());
        QCOMPARE(result(db->events(kept)).size(), 5);
        QCOMPARE(scalar(u"SELECT count(*) FROM session_events WHERE session_id = '%1'"_s.arg(
                     Ids::toText(id))),
                 u"0"_s);
        QVERIFY(!result(db->deleteSession(id)));
        QVERIFY(!result(db->deleteSession(Ids::newSessionId())));
    }

    void appendEventCommittedFinishesOnceCommitted() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        QFuture<void> stored =
            db->appendEventCommitted(makeEvent(id, EventType::UserMessage, u"kept"_s, at(1)));
        finish(stored);
        // Read through another connection, which sees only what is committed.
        QCOMPARE(scalar(u"SELECT content FROM session_events WHERE session_id = '%1'"_s.arg(
                     Ids::toText(id))),
                 u"kept"_s);

        // A write the database rejects (no such session) fails its future, and only its own.
        QFuture<void> rejected = db->appendEventCommitted(
            makeEvent(Ids::newSessionId(), EventType::UserMessage, u"lost"_s, at(2)));
        QFuture<void> next =
            db->appendEventCommitted(makeEvent(id, EventType::UserMessage, u"next"_s, at(3)));
        QVERIFY_THROWS_EXCEPTION(StorageError, finish(rejected));
        finish(next);
        QCOMPARE(result(db->events(id)).size(), 2);
    }

    void appendEventCommittedFailsWhenRefused() {
        // Writes made before open() wait in the queue: with room for one, the second is refused.
        Database db;
        db.setMaxQueuedWrites(1);
        const QUuid id = Ids::newSessionId();
        db.createSession(id, u"u"_s, at(0));
        QFuture<void> refused =
            db.appendEventCommitted(makeEvent(id, EventType::UserMessage, u"x"_s, at(1)));
        QVERIFY(refused.isFinished());
        QVERIFY_THROWS_EXCEPTION(StorageError, refused.waitForFinished());
        QCOMPARE(db.rejectedWrites(), qint64(1));
    }

    void summariesAndAttempts() {
        auto db = openFresh();
        const QUuid active = Ids::newSessionId();
        const QUuid failing = Ids::newSessionId();
        const QUuid done = Ids::newSessionId();
        const QUuid empty = Ids::newSessionId();
        db->createSession(active, u"u"_s, at(0));
        for (const QUuid &id : {failing, done, empty}) {
            db->createSession(id, u"u"_s, at(0));
        }
        db->endSession(failing, at(10));
        db->endSession(done, at(11));
        db->endSession(empty, at(12));

        QList<Session> needing = result(db->sessionsNeedingSummary(3));
        QCOMPARE(needing.size(), 3);
        QCOMPARE(needing.at(0).id, failing); // oldest end first
        QCOMPARE(needing.at(1).id, done);
        QCOMPARE(needing.at(2).id, empty);

        db->setSummary(done, u"Ada asked about shipping."_s);
        db->setSummary(empty, u""_s); // nothing to summarize still counts as done
        db->recordSummaryFailure(failing, u"llm_unavailable: connection refused"_s);
        db->recordSummaryFailure(failing, u"llm_unavailable: connection refused"_s);
        needing = result(db->sessionsNeedingSummary(3));
        QCOMPARE(needing.size(), 1);
        QCOMPARE(needing.at(0).id, failing);
        QVERIFY(result(db->sessionsNeedingSummary(2)).isEmpty());
        db->recordSummaryFailure(failing, u"again"_s);
        QVERIFY(result(db->sessionsNeedingSummary(3)).isEmpty());
        QCOMPARE(result(db->sessionsNeedingSummary(4)).size(), 1);
        QCOMPARE(scalar(u"SELECT summary_error FROM sessions WHERE session_id = '%1'"_s.arg(
                     Ids::toText(failing))),
                 u"again"_s);

        QCOMPARE(result(db->session(done))->summary, u"Ada asked about shipping."_s);
        // Reopening and ending again asks for a new summary.
        db->createSession(done, u"u"_s, at(0));
        db->endSession(done, at(20));
        needing = result(db->sessionsNeedingSummary(4));
        QCOMPARE(needing.size(), 2);
        QCOMPARE(needing.at(1).id, done);
    }

    // The first user message names the session; later messages do not.
    void titleFromTheFirstUserMessage() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        const QUuid quiet = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        db->createSession(quiet, u"u"_s, at(0));
        QCOMPARE(result(db->session(id))->title, QString());
        db->appendEvent(makeEvent(id, EventType::SessionStart, {}, at(1)));
        db->appendEvent(makeEvent(id, EventType::UserMessage, u"   "_s, at(2)));
        db->appendEvent(makeEvent(id, EventType::UserMessage,
                                  u"  How much to ship\n5kg to the US? I need it there by Friday, "
                                  "it is a birthday present for my sister'); DROP TABLE x;--"_s,
                                  at(3)));
        db->appendEvent(makeEvent(id, EventType::AssistantMessage, u"$15.00"_s, at(4)));
        finish(db->flush());
        db->appendEvent(makeEvent(id, EventType::UserMessage, u"And to Canada?"_s, at(5)));
        db->appendEvent(makeEvent(quiet, EventType::AssistantMessage, u"Hello"_s, at(5)));
        const Session session = *result(db->session(id));
        QCOMPARE(session.title, u"How much to ship 5kg to the US? I need it there by Friday…"_s);
        QCOMPARE(session.titleSource, u"message"_s);
        QCOMPARE(result(db->session(quiet))->title, QString());
        // Listed with it, and kept when the session is reopened.
        db->createSession(id, u"u"_s, at(0));
        const SessionPage page = result(db->sessions({}));
        const auto listed = std::find_if(page.sessions.cbegin(), page.sessions.cend(),
                                         [&id](const Session &s) { return s.id == id; });
        QVERIFY(listed != page.sessions.cend());
        QCOMPARE(listed->title, session.title);
    }

    // The summary's title replaces the message's, in both ways a summary is stored; a rename
    // wins over any later summary.
    void titleFromTheSummaryUnlessRenamed() {
        auto db = openFresh();
        const QUuid set = Ids::newSessionId();
        const QUuid claimed = Ids::newSessionId();
        const QUuid renamed = Ids::newSessionId();
        for (const QUuid &id : {set, claimed, renamed}) {
            db->createSession(id, u"u"_s, at(0));
            db->appendEvent(makeEvent(id, EventType::UserMessage, u"hi there"_s, at(1)));
            db->endSession(id, at(2));
        }
        db->setSummary(set, u"Ada greeted the assistant. Nothing else happened."_s);
        QVERIFY(result(db->renameSession(renamed, u"My <b>own</b> title"_s)));
        QVERIFY(result(db->claimSummary(claimed, 3, 60000)).has_value());
        QVERIFY(result(db->claimSummary(renamed, 3, 60000)).has_value());
        QVERIFY(result(db->storeSummary(claimed, u"Bob asked about tides!"_s)));
        QVERIFY(result(db->storeSummary(renamed, u"Carol asked about Rome."_s)));

        Session session = *result(db->session(set));
        QCOMPARE(session.title, u"Ada greeted the assistant"_s);
        QCOMPARE(session.titleSource, u"summary"_s);
        QCOMPARE(result(db->session(claimed))->title, u"Bob asked about tides!"_s);
        session = *result(db->session(renamed));
        QCOMPARE(session.title, u"My <b>own</b> title"_s);
        QCOMPARE(session.titleSource, u"user"_s);
        QCOMPARE(session.summary, u"Carol asked about Rome."_s);
        // An empty summary (nothing to summarize) keeps the title it had.
        db->createSession(set, u"u"_s, at(0));
        db->endSession(set, at(3));
        db->setSummary(set, u""_s);
        QCOMPARE(result(db->session(set))->title, u"Ada greeted the assistant"_s);
        // A renamed session can be renamed again; an unknown one cannot.
        QVERIFY(result(db->renameSession(renamed, u"Rome"_s)));
        QCOMPARE(result(db->session(renamed))->title, u"Rome"_s);
        QVERIFY(!result(db->renameSession(Ids::newSessionId(), u"x"_s)));
    }

    // Sessions an instance left open are ended by the next one, at their last event; its own
    // live sessions never are.
    void endAbandonedSessions() {
        const QString url = freshUrl();
        const QUuid withEvents = Ids::newSessionId();
        const QUuid withoutEvents = Ids::newSessionId();
        const QUuid ended = Ids::newSessionId();
        {
            Database earlier;
            finish(earlier.open(url));
            earlier.createSession(withEvents, u"u"_s, at(0));
            earlier.createSession(withoutEvents, u"u"_s, at(5, 500));
            earlier.createSession(ended, u"u"_s, at(0));
            earlier.appendEvent(makeEvent(withEvents, EventType::UserMessage, u"a"_s, at(7, 1)));
            earlier.appendEvent(
                makeEvent(withEvents, EventType::AssistantMessage, u"b"_s, at(9, 250)));
            earlier.appendEvent(makeEvent(ended, EventType::UserMessage, u"c"_s, at(3)));
            earlier.endSession(ended, at(4));
            QVERIFY(result(earlier.endAbandonedSessions()).isEmpty());
        }
        auto db = std::make_unique<Database>();
        finish(db->open(url));
        const QUuid own = Ids::newSessionId();
        db->createSession(own, u"u"_s, at(0));

        QList<QUuid> ids = result(db->endAbandonedSessions());
        std::sort(ids.begin(), ids.end());
        QList<QUuid> expected{withEvents, withoutEvents};
        std::sort(expected.begin(), expected.end());
        QCOMPARE(ids, expected);
        QCOMPARE(result(db->session(withEvents))->endTime, at(9, 250));
        QCOMPARE(result(db->session(withoutEvents))->endTime, at(5, 500));
        QCOMPARE(result(db->session(ended))->endTime, at(4));
        QVERIFY(result(db->session(own))->isActive());
        QVERIFY(result(db->endAbandonedSessions()).isEmpty());
    }

    void nulCharactersAreReplaced() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        const QString nul(QChar(0));
        db->createSession(id, u"us"_s + nul + u"er"_s, at(0));
        db->appendEvent(makeEvent(id, EventType::UserMessage, u"a"_s + nul + u"b"_s, at(1),
                                  {{u"note"_s, QString(u"x"_s + nul)}}));
        db->appendEvent(makeEvent(id, EventType::UserMessage, u"clean"_s, at(2), {{u"k"_s, 1}}));
        db->setSummary(id, u"sum"_s + nul);
        const QList<Event> events = result(db->events(id));
        QCOMPARE(events.size(), 2);
        QCOMPARE(events.at(0).content, u"a\uFFFDb"_s);
        QCOMPARE(events.at(0).metadata.value(u"note"_s).toString(), u"x\uFFFD"_s);
        QCOMPARE(events.at(0).metadata.value(u"nul_replaced"_s).toBool(), true);
        QCOMPARE(events.at(1).content, u"clean"_s);
        QVERIFY(!events.at(1).metadata.contains(u"nul_replaced"_s));
        const Session session = *result(db->session(id));
        QCOMPARE(session.userId, u"us\uFFFDer"_s);
        QCOMPARE(session.summary, u"sum\uFFFD"_s);
    }

    void unicodeAndSqlLookingTextVerbatim_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("quote injection") << u"Robert'); DROP TABLE sessions;--"_s;
        QTest::newRow("backslashes") << u"\\' \\\\ \\x00 \\n E'\\''"_s;
        QTest::newRow("placeholders") << u"? ?? $1 :name %1 %s {0} $$ $tag$"_s;
        QTest::newRow("double quotes") << u"\"sessions\"; -- /* comment */"_s;
        QTest::newRow("unicode") << u"Grüße, 你好, مرحبا, 🚚📦 \U0001F600, \u200B\u00A0"_s;
        QTest::newRow("control chars") << u"\t\r\n\u0001\u001F\u007F"_s;
        QTest::newRow("json-like") << u"{\"a\": [1, 2, \"\\u0000\"]}"_s;
        QTest::newRow("long") << QString(300000, u'x') + u"'"_s;
    }
    void unicodeAndSqlLookingTextVerbatim() {
        QFETCH(QString, text);
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        const QString userId = text.left(128); // the protocol's limit
        db->createSession(id, userId, at(0));
        db->appendEvent(makeEvent(id, text, text, at(1), {{text, text}}));
        db->setSummary(id, text);
        db->recordSummaryFailure(id, text);
        const QList<Event> events = result(db->events(id));
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.at(0).content, text);
        QCOMPARE(events.at(0).type, text);
        QCOMPARE(events.at(0).metadata.value(text).toString(), text);
        const Session session = *result(db->session(id));
        QCOMPARE(session.userId, userId);
        QCOMPARE(session.summary, text);
        SessionQuery byUser;
        byUser.userId = userId;
        QCOMPARE(result(db->sessions(byUser)).sessions.size(), 1);
        QCOMPARE(scalar(u"SELECT count(*) FROM sessions"_s), u"1"_s);
    }

    void readsSeeEarlierWrites() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        for (int i = 0; i < 1000; ++i)
            db->appendEvent(makeEvent(id, EventType::UserMessage, QString::number(i), at(i)));
        const QList<Event> events = result(db->events(id, 0, 5000));
        QCOMPARE(events.size(), 1000);
        QCOMPARE(events.constLast().content, u"999"_s);
        QCOMPARE(result(db->session(id))->messageCount, 1000);
    }

    void flushAndQueueDepth() {
        auto db = openFresh();
        QSignalSpy depth(db.get(), &Database::queueDepthChanged);
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        for (int i = 0; i < 600; ++i)
            db->appendEvent(makeEvent(id, EventType::UserMessage, QString::number(i), at(i)));
        QVERIFY(db->queueDepth() > 0);
        finish(db->flush());
        QTRY_COMPARE(db->queueDepth(), 0);
        QVERIFY(depth.size() > 1);
        QCOMPARE(depth.last().at(0).toInt(), 0);
        QCOMPARE(scalar(u"SELECT count(*) FROM session_events"_s), u"600"_s);
    }

    void rejectedWriteIsDiscardedOthersKept() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        db->appendEvent(makeEvent(id, EventType::UserMessage, u"before"_s, at(1)));
        // No such session: the foreign key rejects it, and only it.
        db->appendEvent(makeEvent(Ids::newSessionId(), EventType::UserMessage, u"orphan"_s, at(2)));
        db->appendEvent(makeEvent(id, EventType::UserMessage, u"after"_s, at(3)));
        const QList<Event> events = result(db->events(id));
        QCOMPARE(events.size(), 2);
        QCOMPARE(events.at(0).content, u"before"_s);
        QCOMPARE(events.at(1).content, u"after"_s);
        QCOMPARE(scalar(u"SELECT count(*) FROM session_events"_s), u"2"_s);
        QTRY_COMPARE(db->queueDepth(), 0);
        QVERIFY(db->isHealthy());
    }

    void oversizedValueDoesNotBlockTheQueue() {
        // PostgreSQL cannot index a 10 kB user id and rejects that write; SQLite stores it.
        // Either way the writes after it must be committed.
        auto db = openFresh();
        const QUuid huge = Ids::newSessionId();
        const QUuid id = Ids::newSessionId();
        QString userId;
        for (int i = 0; i < 1000; ++i)
            userId += QString::number(i * 7919 % 10007);
        db->createSession(huge, userId, at(0));
        db->createSession(id, u"u"_s, at(1));
        db->appendEvent(makeEvent(id, EventType::UserMessage, u"after"_s, at(2)));
        QCOMPARE(result(db->events(id)).size(), 1);
        QVERIFY(db->isHealthy());
        QTRY_COMPARE(db->queueDepth(), 0);
    }

    void destructorCommitsQueuedWrites() {
        const QString url = freshUrl();
        const QUuid id = Ids::newSessionId();
        {
            Database db;
            finish(db.open(url));
            db.createSession(id, u"u"_s, at(0));
            for (int i = 0; i < 2000; ++i)
                db.appendEvent(makeEvent(id, EventType::UserMessage, QString::number(i), at(i)));
        }
        QCOMPARE(scalar(u"SELECT count(*) FROM session_events"_s), u"2000"_s);
    }

    void queueBound() {
        Database db; // not open: every write waits in the queue
        db.setMaxQueuedWrites(8);
        QSignalSpy rejected(&db, &Database::writesRejected);
        const QUuid id = Ids::newSessionId();
        for (int i = 0; i < 10; ++i)
            db.appendEvent(makeEvent(id, EventType::UserMessage, QString::number(i), at(i)));
        QCOMPARE(db.queueDepth(), 8);
        QCOMPARE(db.rejectedWrites(), 2);
        QCOMPARE(rejected.size(), 2);
        QCOMPARE(rejected.last().at(0).toLongLong(), 2);
    }
};

QTEST_GUILESS_MAIN(TestDatabase)
#include "tst_database.moc"
