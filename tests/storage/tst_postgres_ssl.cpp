// SSL as Supabase requires it: sslmode=require and verify-full against a server with a
// self-signed certificate, and a clear failure when the server has no SSL.
#include "core/Ids.h"
#include "fixtures/FutureWait.h"
#include "fixtures/PostgresCluster.h"
#include "storage/Database.h"

#include <QTest>
#include <memory>

using namespace Qt::StringLiterals;

class TestPostgresSsl : public QObject {
    Q_OBJECT
    std::unique_ptr<PostgresCluster> m_ssl;
    std::unique_ptr<PostgresCluster> m_plain;

    // Opens the URL, stores a session and reads it back; returns the open error, if any.
    QString roundTrip(const QString &url) {
        Database db;
        const QFuture<void> opened = db.open(url);
        if (!FutureWait::wait(opened))
            return u"open timed out"_s;
        const QString error = FutureWait::errorOf(opened);
        if (!error.isEmpty())
            return error;
        const QUuid id = Ids::newSessionId();
        db.createSession(id, u"secure"_s, QDateTime::currentDateTimeUtc());
        QFuture<std::optional<Session>> read = db.session(id);
        if (!FutureWait::wait(read) || !read.result())
            return u"session not stored"_s;
        return {};
    }

private Q_SLOTS:
    void initTestCase() {
        m_ssl = std::make_unique<PostgresCluster>(PostgresCluster::Options{.ssl = true});
        QVERIFY2(m_ssl->start(), qPrintable(m_ssl->errorString()));
        m_plain = std::make_unique<PostgresCluster>();
        QVERIFY2(m_plain->start(), qPrintable(m_plain->errorString()));
    }

    void requireUsesSsl() {
        QVERIFY(m_ssl->createDatabase(u"req"_s));
        Database db;
        const QFuture<void> opened = db.open(m_ssl->url(u"req"_s, u"sslmode=require"_s));
        QVERIFY(FutureWait::wait(opened));
        QCOMPARE(FutureWait::errorOf(opened), QString());
        const QUuid id = Ids::newSessionId();
        db.createSession(id, u"secure"_s, QDateTime::currentDateTimeUtc());
        QFuture<std::optional<Session>> read = db.session(id);
        QVERIFY(FutureWait::wait(read));
        QVERIFY(read.result().has_value());
        // The server's view of our (still open) connection.
        QCOMPARE(m_ssl->queryValue(u"postgres"_s,
                                   u"SELECT bool_and(s.ssl) || ':' || count(*) FROM pg_stat_ssl s "
                                   "JOIN pg_stat_activity a USING (pid) WHERE a.datname = 'req'"_s),
                 u"true:1"_s);
    }

    void verifyFullWithRootCertificate() {
        QVERIFY(m_ssl->createDatabase(u"full"_s));
        QCOMPARE(roundTrip(m_ssl->url(u"full"_s, u"sslmode=verify-full&sslrootcert="_s +
                                                     m_ssl->certificatePath())),
                 QString());
    }

    void verifyFullWithoutRootCertificateFails() {
        const QString error = roundTrip(
            m_ssl->url(u"postgres"_s, u"sslmode=verify-full&sslrootcert=/nonexistent/root.crt"_s));
        QVERIFY2(error.contains(u"cannot connect"_s), qPrintable(error));
        QVERIFY2(error.contains(u"root certificate"_s), qPrintable(error));
    }

    void requireAgainstPlainServerFails() {
        const QString error = roundTrip(m_plain->url(u"postgres"_s, u"sslmode=require"_s));
        QVERIFY2(error.contains(u"cannot connect"_s), qPrintable(error));
        QVERIFY2(error.contains(u"SSL"_s), qPrintable(error));
        QVERIFY(!error.contains(QString::fromLatin1(PostgresCluster::kPassword)));
    }

    void preferFallsBackOnPlainServer() {
        QVERIFY(m_plain->createDatabase(u"pref"_s));
        QCOMPARE(roundTrip(m_plain->url(u"pref"_s, u"sslmode=prefer"_s)), QString());
    }
};

QTEST_GUILESS_MAIN(TestPostgresSsl)
#include "tst_postgres_ssl.moc"
