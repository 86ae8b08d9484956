// Losing the database is not losing data: PostgreSQL is stopped in the middle of a stream of
// writes and started again; every row arrives, once, in order.
#include "core/Ids.h"
#include "fixtures/FutureWait.h"
#include "fixtures/PostgresCluster.h"
#include "storage/Database.h"

#include <QSignalSpy>
#include <QTest>
#include <atomic>
#include <memory>
#include <thread>

using namespace Qt::StringLiterals;

class TestPostgresReconnect : public QObject {
    Q_OBJECT
    std::unique_ptr<PostgresCluster> m_cluster;

private Q_SLOTS:
    void initTestCase() {
        m_cluster = std::make_unique<PostgresCluster>();
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        QVERIFY(m_cluster->createDatabase(u"app"_s));
    }

    void stopAndStartDuringWrites() {
        Database db;
        QSignalSpy health(&db, &Database::healthChanged);
        const QFuture<void> opened = db.open(m_cluster->url(u"app"_s, u"connect_timeout=3"_s));
        QVERIFY(FutureWait::wait(opened));
        QCOMPARE(FutureWait::errorOf(opened), QString());
        QTRY_VERIFY(db.isHealthy());

        const QUuid id = Ids::newSessionId();
        db.createSession(id, u"u"_s, QDateTime::currentDateTimeUtc());
        int written = 0;
        const auto writeSome = [&](int count) {
            for (int i = 0; i < count; ++i) {
                db.appendEvent(Event::make(id, EventType::UserMessage,
                                           u"row %1"_s.arg(written, 5, 10, QChar(u'0'))));
                ++written;
            }
            QTest::qWait(5);
        };

        // Stop the server on another thread while this one keeps writing.
        std::atomic<bool> done = false;
        bool stopped = false;
        std::thread stopper([&] {
            stopped = m_cluster->stop();
            done = true;
        });
        while (!done)
            writeSome(20);
        stopper.join();
        QVERIFY2(stopped, qPrintable(m_cluster->errorString()));
        const int writtenWhileUp = written;

        // Down: writes queue up, the database reports unhealthy, reads fail at once.
        for (int i = 0; i < 10; ++i)
            writeSome(30);
        QTRY_VERIFY_WITH_TIMEOUT(!db.isHealthy(), 20000);
        QVERIFY(db.queueDepth() > 0);
        const QString readError = FutureWait::errorOf(db.session(id));
        QVERIFY2(readError.contains(u"unavailable"_s), qPrintable(readError));
        QFuture<void> flushed = db.flush();
        QTest::qWait(300);
        QVERIFY(!flushed.isFinished()); // waits for the database instead of failing

        // Start again, still writing.
        done = false;
        bool started = false;
        std::thread starter([&] {
            started = m_cluster->start();
            done = true;
        });
        while (!done)
            writeSome(20);
        starter.join();
        QVERIFY2(started, qPrintable(m_cluster->errorString()));
        for (int i = 0; i < 10; ++i)
            writeSome(30);

        QVERIFY(FutureWait::wait(flushed, 60000));
        QCOMPARE(FutureWait::errorOf(flushed), QString());
        QVERIFY(FutureWait::wait(db.flush(), 60000));
        QTRY_VERIFY(db.isHealthy());
        QTRY_COMPARE(db.queueDepth(), 0);
        qInfo("%d rows written, %d before the server stopped", written, writtenWhileUp);
        QVERIFY(written > writtenWhileUp);

        QCOMPARE(m_cluster->queryValue(u"app"_s, u"SELECT count(*) FROM session_events"_s),
                 QString::number(written));
        QCOMPARE(m_cluster->queryValue(u"app"_s,
                                       u"SELECT count(DISTINCT content) FROM session_events"_s),
                 QString::number(written));
        // In the order they were written: ids ascend with the row numbers.
        QCOMPARE(m_cluster->queryValue(
                     u"app"_s,
                     u"SELECT count(*) FROM (SELECT content, lag(content) OVER (ORDER "
                     "BY id) AS previous FROM session_events) t WHERE content < previous"_s),
                 u"0"_s);
        QCOMPARE(m_cluster->queryValue(u"app"_s, u"SELECT count(*) FROM sessions"_s), u"1"_s);

        QVERIFY(health.size() >= 3);
        QCOMPARE(health.at(0).at(0).toBool(), true);
        QCOMPARE(health.at(1).at(0).toBool(), false);
        QVERIFY(!health.at(1).at(1).toString().isEmpty());
        QCOMPARE(health.last().at(0).toBool(), true);
    }
};

QTEST_GUILESS_MAIN(TestPostgresReconnect)
#include "tst_postgres_reconnect.moc"
