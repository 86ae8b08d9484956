// Several instances on one database, at the storage level: each Database is one instance with a
// lease; sessions of gone instances (and only those) are recovered; summaries are claimed and
// stored once. Run on PostgreSQL (several Database objects on one database) and SQLite (where a
// second process is refused, so instances follow each other).
#include "core/Event.h"
#include "core/Ids.h"
#include "fixtures/FutureWait.h"
#include "fixtures/PostgresCluster.h"
#include "storage/Database.h"

#include <QFile>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
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

// An instance that never renews its lease by itself within a test.
InstanceLease silentLease() {
    InstanceLease lease;
    lease.heartbeatMs = 3600 * 1000;
    lease.expiryMs = 7200 * 1000;
    return lease;
}

} // namespace

class TestInstances : public QObject {
    Q_OBJECT

    bool postgres() const { return RTAI_TEST_POSTGRES; }

    QString freshUrl() {
        ++m_counter;
        if (postgres()) {
            const QString name = u"i%1"_s.arg(m_counter);
            if (!m_cluster->createDatabase(name))
                qFatal("%s", qPrintable(m_cluster->errorString()));
            m_currentDb = name;
            return m_cluster->url(name);
        }
        m_currentDb = m_dir->filePath(u"i%1/test.db"_s.arg(m_counter));
        return u"sqlite://"_s + m_currentDb;
    }

    QString now() const {
        return postgres() ? u"now()"_s : u"strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"_s;
    }

    // One statement run directly, bypassing Database; the first value of its first row.
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

    // The instance's lease ends as if it had been killed: expired, though its row stays.
    void expireLease(const Database &db) {
        QVERIFY(m_cluster->runSql(
            m_currentDb, u"UPDATE rtai_instances SET lease_expires_at = now() - interval '1 "
                         "second' WHERE instance_id = '%1'"_s.arg(db.instanceId())));
    }

    QUuid endedSession(Database &db) {
        const QUuid id = Ids::newSessionId();
        db.createSession(id, u"u"_s, QDateTime::currentDateTimeUtc());
        db.appendEvent(Event::make(id, EventType::UserMessage, u"hello"_s));
        db.endSession(id, QDateTime::currentDateTimeUtc());
        return id;
    }

    int summaryEvents(const QUuid &id) {
        return scalar(u"SELECT count(*) FROM session_events WHERE event_type = 'summary' AND "
                      "session_id = '%1'"_s.arg(Ids::toText(id)))
            .toInt();
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

    void leaseIsRegisteredRenewedAndReleased() {
        const QString url = freshUrl();
        QString id;
        {
            Database db;
            InstanceLease lease;
            lease.heartbeatMs = 50;
            lease.expiryMs = 60000;
            db.setLease(lease);
            finish(db.open(url));
            id = db.instanceId();
            QVERIFY(!id.isEmpty());
            QCOMPARE(scalar(u"SELECT count(*) FROM rtai_instances WHERE instance_id = '%1' AND "
                            "lease_expires_at > %2 AND pid = %3"_s.arg(id, now())
                                .arg(QCoreApplication::applicationPid())),
                     u"1"_s);
            const QString first = scalar(
                u"SELECT heartbeat_at FROM rtai_instances WHERE instance_id = '%1'"_s.arg(id));
            QVERIFY(!first.isEmpty());
            QTRY_VERIFY_WITH_TIMEOUT(
                scalar(u"SELECT heartbeat_at FROM rtai_instances WHERE instance_id = '%1'"_s.arg(
                    id)) != first,
                10000);
        }
        QCOMPARE(scalar(u"SELECT count(*) FROM rtai_instances WHERE instance_id = '%1'"_s.arg(id)),
                 u"0"_s);
    }

    void instancesHaveDistinctIds() {
        Database a;
        Database b;
        QVERIFY(a.instanceId() != b.instanceId());
        InstanceLease named;
        named.instanceId = u"replica-1"_s;
        a.setLease(named);
        QCOMPARE(a.instanceId(), u"replica-1"_s);
    }

    // The lock file names this process; a second Database of the same process shares it (the
    // console's next server opens while the last one closes). Another process is refused:
    // tst_multiinstance.
    void sqliteLockFileNamesThisProcess() {
        if (postgres())
            QSKIP("PostgreSQL serves several instances");
        const QString url = freshUrl();
        {
            Database first;
            finish(first.open(url));
            QFile lock(m_currentDb + u".lock"_s);
            QVERIFY(lock.open(QIODevice::ReadOnly));
            QCOMPARE(lock.readLine().trimmed(),
                     QByteArray::number(QCoreApplication::applicationPid()));
            Database second;
            finish(second.open(url));
        }
        QVERIFY(!QFile::exists(m_currentDb + u".lock"_s));
        Database again;
        finish(again.open(url));
    }

    void recoveryEndsOnlySessionsOfGoneInstances() {
        if (!postgres())
            QSKIP("one SQLite process at a time: tst_database covers recovery after it");
        const QString url = freshUrl();
        auto a = std::make_unique<Database>();
        a->setLease(silentLease());
        finish(a->open(url));
        Database b;
        finish(b.open(url));

        const QUuid onA = Ids::newSessionId();
        a->createSession(onA, u"u"_s, QDateTime::currentDateTimeUtc());
        Event last = Event::make(onA, EventType::UserMessage, u"still here"_s);
        last.createdAt = QDateTime::currentDateTimeUtc().addSecs(-5);
        a->appendEvent(last);
        const QUuid onB = Ids::newSessionId();
        b.createSession(onB, u"u"_s, QDateTime::currentDateTimeUtc());
        finish(a->flush());
        finish(b.flush());

        // A live instance's session, and one's own, are never recovered.
        QVERIFY(result(b.endAbandonedSessions()).isEmpty());
        QVERIFY(result(a->endAbandonedSessions()).isEmpty());

        expireLease(*a); // as if killed: its row stays, its lease runs out
        QCOMPARE(result(b.endAbandonedSessions()), QList<QUuid>{onA});
        QCOMPARE(result(b.session(onA))->endTime, last.createdAt);
        QVERIFY(result(b.session(onB))->isActive());
        // A cannot end what is no longer its own: the session stays ended at its last event.
        a->endSession(onA, QDateTime::currentDateTimeUtc());
        finish(a->flush());
        QCOMPARE(result(b.session(onA))->endTime, last.createdAt);
    }

    void summaryIsClaimedAndStoredOnce() {
        const QString url = freshUrl();
        Database a;
        finish(a.open(url));
        const QUuid id = endedSession(a);
        const QUuid live = Ids::newSessionId();
        a.createSession(live, u"u"_s, QDateTime::currentDateTimeUtc());

        const QList<Session> claimed = result(a.claimSummaries(10, 5, 60000));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed.first().id, id);
        QCOMPARE(claimed.first().summaryAttempts, 0);
        QVERIFY(result(a.claimSummaries(10, 5, 60000)).isEmpty());             // held already
        QCOMPARE(result(a.claimSummary(id, 5, 60000)), std::optional<int>(0)); // extended
        QCOMPARE(result(a.claimSummary(live, 5, 60000)), std::nullopt);        // not ended

        if (postgres()) {
            Database b;
            finish(b.open(url));
            QVERIFY(result(b.claimSummaries(10, 5, 60000)).isEmpty());
            QCOMPARE(result(b.claimSummary(id, 5, 60000)), std::nullopt);
            QVERIFY(!result(b.storeSummary(id, u"from b"_s)));
        }
        QVERIFY(result(a.storeSummary(id, u"from a"_s)));
        QVERIFY(!result(a.storeSummary(id, u"again"_s)));
        QCOMPARE(result(a.session(id))->summary, u"from a"_s);
        QCOMPARE(summaryEvents(id), 1);
        QCOMPARE(result(a.claimSummary(id, 5, 60000)), std::nullopt); // summarized

        // Failed attempts count against the cap of every claimant.
        const QUuid failing = endedSession(a);
        a.recordSummaryFailure(failing, u"down"_s);
        a.recordSummaryFailure(failing, u"down"_s);
        QCOMPARE(result(a.claimSummary(failing, 3, 60000)), std::optional<int>(2));
        QCOMPARE(result(a.claimSummary(failing, 2, 60000)), std::nullopt);
    }

    void claimOfAGoneInstanceIsTakenOver() {
        const QString url = freshUrl();
        QUuid id;
        QUuid expired;
        auto a = std::make_unique<Database>();
        a->setLease(silentLease());
        finish(a->open(url));
        id = endedSession(*a);
        expired = endedSession(*a);
        QCOMPARE(result(a->claimSummaries(10, 5, 60000)).size(), 2);
        if (!postgres()) {
            // The next process on the file takes the claims the last one left.
            a.reset();
            Database b;
            finish(b.open(url));
            QCOMPARE(result(b.claimSummaries(10, 5, 60000)).size(), 2);
            QVERIFY(result(b.storeSummary(id, u"from b"_s)));
            QCOMPARE(summaryEvents(id), 1);
            return;
        }
        Database b;
        finish(b.open(url));
        QVERIFY(result(b.claimSummaries(10, 5, 60000)).isEmpty());
        // A claim past its expiry is free even though its claimant lives.
        QVERIFY(m_cluster->runSql(
            m_currentDb, u"UPDATE sessions SET summary_claim_expires_at = now() - interval '1 "
                         "second' WHERE session_id = '%1'"_s.arg(Ids::toText(expired))));
        QCOMPARE(result(b.claimSummary(expired, 5, 60000)), std::optional<int>(0));
        // A claimant whose lease expired holds nothing.
        QCOMPARE(result(b.claimSummary(id, 5, 60000)), std::nullopt);
        expireLease(*a);
        QCOMPARE(result(b.claimSummary(id, 5, 60000)), std::optional<int>(0));
        QVERIFY(!result(a->storeSummary(id, u"late"_s))); // too late: b holds it now
        QVERIFY(result(b.storeSummary(id, u"from b"_s)));
        QCOMPARE(result(b.session(id))->summary, u"from b"_s);
        QCOMPARE(summaryEvents(id), 1);
    }

    // Instances claiming at the same time get disjoint sets (FOR UPDATE SKIP LOCKED).
    void concurrentClaimsAreDisjoint() {
        if (!postgres())
            QSKIP("one SQLite process at a time");
        const QString url = freshUrl();
        constexpr int kInstances = 4;
        constexpr int kSessions = 60;
        std::vector<std::unique_ptr<Database>> instances;
        for (int i = 0; i < kInstances; ++i) {
            instances.push_back(std::make_unique<Database>());
            finish(instances.back()->open(url));
        }
        QSet<QUuid> ended;
        for (int i = 0; i < kSessions; ++i)
            ended.insert(endedSession(*instances.at(size_t(i % kInstances))));
        for (auto &db : instances)
            finish(db->flush());

        QList<QUuid> claimed;
        for (int round = 0; round < kSessions; ++round) {
            QList<QFuture<QList<Session>>> futures;
            for (auto &db : instances)
                futures << db->claimSummaries(3, 5, 60000);
            int got = 0;
            for (const auto &future : futures) {
                for (const Session &session : result(future))
                    claimed << session.id;
                got += int(result(future).size());
            }
            if (got == 0)
                break;
        }
        QCOMPARE(claimed.size(), kSessions); // none twice
        QCOMPARE(QSet<QUuid>(claimed.cbegin(), claimed.cend()), ended);
    }
};

QTEST_GUILESS_MAIN(TestInstances)
#include "tst_instances.moc"
