// Full-text search (migration 005, Database::searchSessions), run against SQLite's FTS5
// (tst_search_sqlite) and a throwaway PostgreSQL cluster (tst_search_postgres) with the same code.
#include "core/Event.h"
#include "core/Ids.h"
#include "fixtures/FutureWait.h"
#include "fixtures/PostgresCluster.h"
#include "storage/Database.h"
#include "storage/SessionSearchStore.h"

#include <QSqlDatabase>
#include <QSqlError>
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
    future.waitForFinished();
}

QDateTime at(int seconds) {
    return QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5), QTimeZone::utc()).addSecs(seconds);
}

Event makeEvent(const QUuid &session, const QString &type, const QString &content, int seconds) {
    Event e = Event::make(session, type, content, {});
    e.createdAt = at(seconds);
    return e;
}

QList<QUuid> idsOf(const SessionSearchPage &page) {
    QList<QUuid> ids;
    for (const SessionMatch &match : page.matches)
        ids << match.session.id;
    return ids;
}

QStringList highlighted(const SessionMatch &match) {
    QStringList words;
    for (const auto &[start, length] : match.highlights)
        words << match.snippet.mid(start, length);
    return words;
}

} // namespace

class TestSearch : public QObject {
    Q_OBJECT

    bool postgres() const { return RTAI_TEST_POSTGRES; }

    QString freshUrl() {
        ++m_counter;
        if (postgres()) {
            const QString name = u"s%1"_s.arg(m_counter);
            if (!m_cluster->createDatabase(name))
                qFatal("%s", qPrintable(m_cluster->errorString()));
            m_currentDb = name;
            return m_cluster->url(name);
        }
        m_currentDb = m_dir->filePath(u"s%1/test.db"_s.arg(m_counter));
        return u"sqlite://"_s + m_currentDb;
    }

    std::unique_ptr<Database> openFresh() {
        auto db = std::make_unique<Database>();
        finish(db->open(freshUrl()));
        return db;
    }

    // Statements run directly, bypassing Database (its connection must be closed for SQLite).
    bool execDirect(const QStringList &statements) {
        if (postgres()) {
            for (const QString &sql : statements) {
                if (!m_cluster->runSql(m_currentDb, sql))
                    return false;
            }
            return true;
        }
        bool ok = true;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"direct"_s);
            db.setDatabaseName(m_currentDb);
            ok = db.open();
            for (const QString &sql : statements) {
                QSqlQuery query(db);
                if (ok && !query.exec(sql)) {
                    qWarning() << sql << query.lastError().text();
                    ok = false;
                }
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(u"direct"_s);
        return ok;
    }

    SessionSearchPage search(Database &db, const QString &text, const QString &user = {},
                             int limit = 20) {
        SessionSearchQuery query;
        query.text = text;
        query.userId = user;
        query.limit = limit;
        return result(db.searchSessions(query));
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

    void wordsAndExpressions() {
        QCOMPARE(SessionSearchStore::words(u"  tide\tAND  *  \" x\"y  -- \u0001"_s),
                 (QStringList{u"tide"_s, u"AND"_s, u"x"_s, u"y"_s}));
        QCOMPARE(SessionSearchStore::words(u"Łódź,東京 𠀋x 🙂"_s),
                 (QStringList{u"Łódź"_s, u"東京"_s, u"𠀋x"_s}));
        QCOMPARE(SessionSearchStore::ftsExpression({u"a\"b"_s, u"OR"_s}), u"\"a\"\"b\"* \"OR\"*"_s);
        const SessionMatch match =
            SessionSearchStore::parseSnippet(u"…the \u0002tides\u0003 of\nRome \u0002x\u0003"_s);
        QCOMPARE(match.snippet, u"…the tides of Rome x"_s);
        QCOMPARE(highlighted(match), (QStringList{u"tides"_s, u"x"_s}));
    }

    // Messages, titles and summaries are found, newest session first, each with a snippet
    // around the match; tool calls and other events are not searched.
    void findsMessagesTitlesAndSummaries() {
        auto db = openFresh();
        const QUuid older = Ids::newSessionId();
        const QUuid newer = Ids::newSessionId();
        const QUuid titled = Ids::newSessionId();
        const QUuid summarized = Ids::newSessionId();
        const QUuid tools = Ids::newSessionId();
        db->createSession(older, u"ada"_s, at(0));
        db->createSession(newer, u"bob"_s, at(10));
        db->createSession(titled, u"ada"_s, at(20));
        db->createSession(summarized, u"ada"_s, at(30));
        db->createSession(tools, u"ada"_s, at(40));
        db->appendEvent(makeEvent(older, EventType::UserMessage,
                                  u"Tell me about the tides of the Atlantic Ocean please"_s, 1));
        db->appendEvent(makeEvent(newer, EventType::UserMessage, u"hello"_s, 11));
        db->appendEvent(makeEvent(newer, EventType::AssistantMessage,
                                  u"Spring tides happen at new and full moon."_s, 12));
        db->appendEvent(makeEvent(titled, EventType::UserMessage, u"something else"_s, 21));
        db->appendEvent(makeEvent(summarized, EventType::UserMessage, u"ahoy"_s, 31));
        db->appendEvent(makeEvent(tools, EventType::ToolCall, u"tides"_s, 41));
        db->endSession(summarized, at(32));
        QVERIFY(result(db->renameSession(titled, u"Notes on tides"_s)));
        db->setSummary(summarized, u"The user asked about ocean tides."_s);

        SessionSearchPage page = search(*db, u"TIDES"_s);
        QCOMPARE(idsOf(page), (QList<QUuid>{summarized, titled, newer, older}));
        QVERIFY(!page.nextBefore.isValid());
        QCOMPARE(page.matches.at(3).session.userId, u"ada"_s);
        QVERIFY2(page.matches.at(3).snippet.contains(u"tides of the Atlantic"_s),
                 qPrintable(page.matches.at(3).snippet));
        for (const SessionMatch &match : page.matches)
            QCOMPARE(highlighted(match).value(0).toLower(), u"tides"_s);
        QCOMPARE(page.matches.at(0).session.summary, u"The user asked about ocean tides."_s);

        // Every word must match; each also as the start of a longer word.
        QCOMPARE(idsOf(search(*db, u"tide atlan"_s)), QList<QUuid>{older});
        QCOMPARE(idsOf(search(*db, u"tides moon"_s)), QList<QUuid>{newer});
        QVERIFY(search(*db, u"tides volcano"_s).matches.isEmpty());
        // One user's sessions only.
        QCOMPARE(idsOf(search(*db, u"tides"_s, u"bob"_s)), QList<QUuid>{newer});
        QVERIFY(search(*db, u"tides"_s, u"carol"_s).matches.isEmpty());
    }

    void pagesNewestFirst() {
        auto db = openFresh();
        QList<QUuid> ids;
        for (int i = 0; i < 5; ++i) {
            ids.prepend(Ids::newSessionId());
            db->createSession(ids.first(), u"u"_s, at(i * 10));
            db->appendEvent(
                makeEvent(ids.first(), EventType::UserMessage, u"page me"_s, i * 10 + 1));
        }
        SessionSearchQuery query;
        query.text = u"page"_s;
        query.limit = 2;
        QList<QUuid> seen;
        for (int round = 0; round < 3; ++round) {
            const SessionSearchPage page = result(db->searchSessions(query));
            seen << idsOf(page);
            QCOMPARE(page.nextBefore.isValid(), round < 2);
            query.before = page.nextBefore;
        }
        QCOMPARE(seen, ids);
        query.limit = 1000; // clamped to kMaxLimit
        query.before = {};
        QCOMPARE(result(db->searchSessions(query)).matches.size(), 5);
    }

    // Any text is data: FTS5 and tsquery syntax, quotes and SQL are searched literally and never
    // make the statement fail.
    void nastyQueriesSearchLiterally_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("finds");
        QTest::newRow("lone quote") << u"\""_s << false;
        QTest::newRow("quotes") << u"\"quoted words\""_s << true;
        QTest::newRow("unbalanced") << u"\"quoted"_s << true;
        QTest::newRow("AND alone") << u"AND"_s << true;
        QTest::newRow("OR NOT") << u"OR NOT"_s << true;
        QTest::newRow("star alone") << u"*"_s << false;
        QTest::newRow("star prefix") << u"quot*"_s << true;
        QTest::newRow("NEAR") << u"NEAR(quoted words)"_s << true;
        QTest::newRow("column filter") << u"body:quoted"_s << false;
        QTest::newRow("caret") << u"^quoted"_s << true;
        QTest::newRow("minus") << u"-quoted"_s << true;
        QTest::newRow("parentheses") << u"(("_s << false;
        QTest::newRow("tsquery") << u"quoted & !words | <->"_s << true;
        QTest::newRow("tsquery lexeme") << u"'quoted':*"_s << true;
        QTest::newRow("backslash") << u"back\\slash"_s << true;
        QTest::newRow("sql") << u"'); DROP TABLE sessions;--"_s << false;
        QTest::newRow("percent") << u"100%"_s << true;
        QTest::newRow("colon") << u"a:b:c"_s << false;
        QTest::newRow("nul") << u"quoted\u0000"_s << true;
        QTest::newRow("unicode") << u"Łódź 東京"_s << true;
        QTest::newRow("emoji") << u"🙂"_s << false;
        QTest::newRow("spaces") << u"   "_s << false;
        QTest::newRow("long") << QString(500, u'x') << false;
    }

    void nastyQueriesSearchLiterally() {
        QFETCH(QString, text);
        QFETCH(bool, finds);
        if (!m_nasty) {
            m_nasty = openFresh();
            m_nastySession = Ids::newSessionId();
            m_nasty->createSession(m_nastySession, u"u"_s, at(0));
            m_nasty->appendEvent(makeEvent(m_nastySession, EventType::UserMessage,
                                           u"Some \"quoted words\", AND OR NOT NEAR, back\\slash, "
                                           "100% sure, Łódź and 東京"_s,
                                           1));
        }
        SessionSearchPage page;
        try {
            page = search(*m_nasty, text);
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
        QCOMPARE(idsOf(page), finds ? QList<QUuid>{m_nastySession} : QList<QUuid>{});
        if (m_nasty && QByteArray(QTest::currentDataTag()) == "long")
            m_nasty.reset();
    }

    // A message becomes searchable once it is stored; deleting a session takes it out of the
    // index; a rename replaces the old title; reopening keeps it.
    void followsWritesRenamesAndDeletes() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        QVERIFY(search(*db, u"lighthouse"_s).matches.isEmpty());
        db->appendEvent(makeEvent(id, EventType::UserMessage, u"Where is the lighthouse?"_s, 1));
        QCOMPARE(idsOf(search(*db, u"lighthouse"_s)), QList<QUuid>{id});
        QVERIFY(result(db->renameSession(id, u"Harbour walk"_s)));
        QCOMPARE(idsOf(search(*db, u"harbour"_s)), QList<QUuid>{id});
        QVERIFY(result(db->renameSession(id, u"Beach walk"_s)));
        QVERIFY(search(*db, u"harbour"_s).matches.isEmpty());
        QCOMPARE(idsOf(search(*db, u"beach"_s)), QList<QUuid>{id});
        db->endSession(id, at(1));
        db->createSession(id, u"u"_s, at(2)); // reopened: an upsert, which the triggers follow
        const std::optional<Session> reopened = result(db->session(id));
        QVERIFY(reopened && reopened->isActive());
        QCOMPARE(idsOf(search(*db, u"beach"_s)), QList<QUuid>{id});
        QVERIFY(result(db->deleteSession(id)));
        QVERIFY(search(*db, u"lighthouse"_s).matches.isEmpty());
        QVERIFY(search(*db, u"beach"_s).matches.isEmpty());
        if (!postgres()) {
            db.reset();
            QVERIFY(execDirect({u"INSERT INTO session_events_fts(session_events_fts) VALUES "
                                "('integrity-check')"_s,
                                u"INSERT INTO sessions_fts(sessions_fts) VALUES "
                                "('integrity-check')"_s}));
        }
    }

    // A huge reply is stored and found (PostgreSQL indexes its first 100,000 characters).
    void hugeReplyIsStoredAndFound() {
        auto db = openFresh();
        const QUuid id = Ids::newSessionId();
        db->createSession(id, u"u"_s, at(0));
        QString reply;
        for (int i = 0; reply.size() < 1'500'000; ++i)
            reply += u"w%1 "_s.arg(i);
        finish(db->appendEventCommitted(
            makeEvent(id, EventType::AssistantMessage, u"needle "_s + reply, 1)));
        QCOMPARE(idsOf(search(*db, u"needle"_s)), QList<QUuid>{id});
    }

    // Sessions stored before migration 005 are found once it has run (and, in SQLite, 006).
    void migrationIndexesExistingRows() {
        const QString url = freshUrl();
        const QUuid id = Ids::newSessionId();
        {
            Database db;
            finish(db.open(url));
            db.createSession(id, u"u"_s, at(0));
            db.appendEvent(makeEvent(id, EventType::UserMessage, u"An old conversation"_s, 1));
            QVERIFY(result(db.renameSession(id, u"Archive"_s)));
            finish(db.flush());
        }
        const QStringList undo =
            postgres()
                ? QStringList{u"DROP INDEX session_events_search_idx"_s,
                              u"DROP INDEX sessions_search_idx"_s,
                              u"DELETE FROM rtai_schema_migrations WHERE version = 5"_s}
                : QStringList{u"DROP TABLE session_events_fts"_s, u"DROP TABLE sessions_fts"_s,
                              u"DROP TABLE sessions_fts_keys"_s,
                              u"DELETE FROM rtai_schema_migrations WHERE version IN (5, 6)"_s};
        QVERIFY(execDirect(undo));
        Database db;
        finish(db.open(url));
        QCOMPARE(idsOf(search(db, u"conversation"_s)), QList<QUuid>{id});
        QCOMPARE(idsOf(search(db, u"archive"_s)), QList<QUuid>{id});
    }

private:
    std::unique_ptr<Database> m_nasty;
    QUuid m_nastySession;
};

QTEST_GUILESS_MAIN(TestSearch)
#include "tst_search.moc"
