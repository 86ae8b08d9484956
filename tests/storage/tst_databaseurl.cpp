#include "core/ConfigLoader.h"
#include "storage/DatabaseUrl.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TestDatabaseUrl : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void postgresFull() {
        QString error;
        const auto url = DatabaseUrl::parse(
            u"postgresql://alice:s%40cr%3At%2F%25pw@db.example.com:6543/app?sslmode=require&"
            "connect_timeout=5"_s,
            &error);
        QVERIFY2(url, qPrintable(error));
        QCOMPARE(url->backend(), DatabaseUrl::Backend::Postgres);
        QCOMPARE(url->backendName(), u"postgresql"_s);
        QCOMPARE(url->user(), u"alice"_s);
        QCOMPARE(url->password(), u"s@cr:t/%pw"_s);
        QCOMPARE(url->host(), u"db.example.com"_s);
        QCOMPARE(url->port(), 6543);
        QCOMPARE(url->databaseName(), u"app"_s);
        QCOMPARE(url->sslMode(), u"require"_s);
        QCOMPARE(url->connectTimeoutSeconds(), 5);
        QCOMPARE(url->connectOptions(), u"sslmode=require;connect_timeout=5"_s);
        QVERIFY(!url->redacted().contains(u"s@cr"_s));
        QCOMPARE(url->redacted(),
                 u"postgresql://alice:***@db.example.com:6543/app?sslmode=require"_s);
    }

    void postgresDefaults() {
        QString error;
        const auto url = DatabaseUrl::parse(u"postgres://bob@localhost/mydb"_s, &error);
        QVERIFY2(url, qPrintable(error));
        QCOMPARE(url->port(), 5432);
        QCOMPARE(url->user(), u"bob"_s);
        QVERIFY(url->password().isEmpty());
        QVERIFY(url->sslMode().isEmpty());
        QCOMPARE(url->connectTimeoutSeconds(), 10);
        QCOMPARE(url->connectOptions(), u"connect_timeout=10"_s);
    }

    void supabaseUrls() {
        QString error;
        const auto direct = DatabaseUrl::parse(
            u"postgresql://postgres:my%23pass@db.abcdefgh.supabase.co:5432/postgres?sslmode=require"_s,
            &error);
        QVERIFY2(direct, qPrintable(error));
        QCOMPARE(direct->password(), u"my#pass"_s);
        const auto pooler = DatabaseUrl::parse(
            u"postgresql://postgres.abcdefgh:pw@aws-0-eu-central-1.pooler.supabase.com:6543/"
            "postgres?sslmode=verify-full&sslrootcert=/etc/ssl/supabase.crt"_s,
            &error);
        QVERIFY2(pooler, qPrintable(error));
        QCOMPARE(pooler->user(), u"postgres.abcdefgh"_s);
        QCOMPARE(pooler->port(), 6543);
        QCOMPARE(pooler->connectOptions(),
                 u"sslmode=verify-full;connect_timeout=10;sslrootcert=/etc/ssl/supabase.crt"_s);
    }

    void everySslMode_data() {
        QTest::addColumn<QString>("mode");
        for (const char *mode :
             {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
            QTest::newRow(mode) << QString::fromLatin1(mode);
    }
    void everySslMode() {
        QFETCH(QString, mode);
        QString error;
        const auto url = DatabaseUrl::parse(u"postgresql://u:p@h:1/d?sslmode="_s + mode, &error);
        QVERIFY2(url, qPrintable(error));
        QCOMPARE(url->sslMode(), mode);
    }

    void ipv6Host() {
        QString error;
        const auto url = DatabaseUrl::parse(u"postgresql://u:p@[::1]:5433/d"_s, &error);
        QVERIFY2(url, qPrintable(error));
        QCOMPARE(url->host(), u"::1"_s);
        QCOMPARE(url->port(), 5433);
        QCOMPARE(url->redacted(), u"postgresql://u:***@[::1]:5433/d"_s);
    }

    void passwordWithAtSign() {
        // libpq wants '@' encoded, but the last '@' separates the host unambiguously.
        QString error;
        const auto url = DatabaseUrl::parse(u"postgresql://u:p@ss@host/d"_s, &error);
        QVERIFY2(url, qPrintable(error));
        QCOMPARE(url->password(), u"p@ss"_s);
        QCOMPARE(url->host(), u"host"_s);
    }

    void sqlite() {
        QString error;
        const auto url = DatabaseUrl::parse(u"sqlite:///var/lib/rtai/data%20dir/x.db"_s, &error);
        QVERIFY2(url, qPrintable(error));
        QCOMPARE(url->backend(), DatabaseUrl::Backend::Sqlite);
        QCOMPARE(url->backendName(), u"sqlite"_s);
        QCOMPARE(url->sqlitePath(), u"/var/lib/rtai/data dir/x.db"_s);
    }

    void defaultSqliteUrl() {
        const QString text = ConfigLoader::defaultDatabaseUrl(u"/srv/rtai/"_s);
        QCOMPARE(text, u"sqlite:///srv/rtai/realtime-ai.db"_s);
        QString error;
        const auto url = DatabaseUrl::parse(text, &error);
        QVERIFY2(url, qPrintable(error));
        QCOMPARE(url->sqlitePath(), u"/srv/rtai/realtime-ai.db"_s);
    }

    void malformed_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("problem"); // a word the error must contain
        QTest::newRow("empty") << u""_s << u"empty"_s;
        QTest::newRow("blank") << u"   "_s << u"empty"_s;
        QTest::newRow("no scheme") << u"localhost:5432/db"_s << u"scheme"_s;
        QTest::newRow("mysql") << u"mysql://u:p@h/d"_s << u"mysql"_s;
        QTest::newRow("sqlite relative") << u"sqlite://data.db"_s << u"absolute"_s;
        QTest::newRow("sqlite params") << u"sqlite:///tmp/x.db?mode=ro"_s << u"parameters"_s;
        QTest::newRow("sqlite dir") << u"sqlite:///tmp/"_s << u"directory"_s;
        // Found by fuzz_databaseurl: ".." was accepted and cleaned up to "/"; "." is alike.
        QTest::newRow("sqlite dir ..") << u"sqlite:///tmp/x/../.."_s << u"directory"_s;
        QTest::newRow("sqlite dir .") << u"sqlite:///tmp/."_s << u"directory"_s;
        QTest::newRow("no host") << u"postgresql://u:p@/d"_s << u"host"_s;
        QTest::newRow("no host at all") << u"postgresql:///d"_s << u"host"_s;
        QTest::newRow("no database") << u"postgresql://u:p@h:5432"_s << u"database name"_s;
        QTest::newRow("empty database") << u"postgresql://u:p@h:5432/"_s << u"database name"_s;
        QTest::newRow("port text") << u"postgresql://u:p@h:abc/d"_s << u"port"_s;
        QTest::newRow("port zero") << u"postgresql://u:p@h:0/d"_s << u"port"_s;
        QTest::newRow("port big") << u"postgresql://u:p@h:70000/d"_s << u"port"_s;
        QTest::newRow("port empty") << u"postgresql://u:p@h:/d"_s << u"port"_s;
        QTest::newRow("port sign") << u"postgresql://u:p@h:+5/d"_s << u"port"_s;
        QTest::newRow("bad percent") << u"postgresql://u:p%zz@h/d"_s << u"password"_s;
        QTest::newRow("trailing percent") << u"postgresql://u:p%4@h/d"_s << u"password"_s;
        QTest::newRow("empty user") << u"postgresql://:p@h/d"_s << u"user"_s;
        QTest::newRow("sslmode") << u"postgresql://u:p@h/d?sslmode=required"_s << u"sslmode"_s;
        QTest::newRow("timeout") << u"postgresql://u:p@h/d?connect_timeout=soon"_s
                                 << u"connect_timeout"_s;
        QTest::newRow("negative timeout")
            << u"postgresql://u:p@h/d?connect_timeout=-1"_s << u"connect_timeout"_s;
        QTest::newRow("unknown param")
            << u"postgresql://u:p@h/d?pgbouncer=true"_s << u"pgbouncer"_s;
        QTest::newRow("param no value") << u"postgresql://u:p@h/d?sslmode"_s << u"value"_s;
        QTest::newRow("unsafe option")
            << u"postgresql://u:p@h/d?application_name=a%20b"_s << u"application_name"_s;
        QTest::newRow("ipv6 open") << u"postgresql://u:p@[::1/d"_s << u"]"_s;
        QTest::newRow("fragment") << u"postgresql://u:p@h/d#x"_s << u"fragment"_s;
    }
    void malformed() {
        QFETCH(QString, url);
        QFETCH(QString, problem);
        QString error;
        const auto parsed = DatabaseUrl::parse(url, &error);
        QVERIFY(!parsed);
        QVERIFY2(error.contains(problem, Qt::CaseInsensitive), qPrintable(error));
        QVERIFY2(!error.contains(u"p%zz"_s), "the error must not repeat the password");
    }
};

QTEST_GUILESS_MAIN(TestDatabaseUrl)
#include "tst_databaseurl.moc"
