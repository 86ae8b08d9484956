#include "storage/SqliteDialect.h"

#include "storage/DatabaseUrl.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <cstdlib>

using namespace Qt::StringLiterals;

QString SqliteDialect::driverName() const {
    return u"QSQLITE"_s;
}

QString SqliteDialect::migrationsPath() const {
    return u":/sql/sqlite"_s;
}

void SqliteDialect::configure(QSqlDatabase &db, const DatabaseUrl &url) const {
    QDir().mkpath(QFileInfo(url.sqlitePath()).absolutePath());
    db.setDatabaseName(url.sqlitePath());
    db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
}

bool SqliteDialect::prepareConnection(QSqlDatabase &db, QString *error) const {
    QSqlQuery query(db);
    for (const QString &pragma : {u"PRAGMA journal_mode = WAL"_s, u"PRAGMA foreign_keys = ON"_s,
                                  u"PRAGMA synchronous = NORMAL"_s}) {
        if (!query.exec(pragma)) {
            *error = pragma + u": "_s + query.lastError().text();
            return false;
        }
    }
    return true;
}

bool SqliteDialect::exec(QSqlQuery &query, const QString &sql, const QVariantList &values) const {
    if (values.isEmpty())
        return query.exec(sql);
    if (!query.prepare(sql))
        return false;
    for (const QVariant &value : values)
        query.addBindValue(value);
    return query.exec();
}

bool SqliteDialect::isDataError(const QSqlError &error) const {
    // Primary result codes: SQLITE_TOOBIG 18, SQLITE_CONSTRAINT 19, SQLITE_MISMATCH 20.
    const int code = error.nativeErrorCode().toInt() & 0xff;
    return code == 18 || code == 19 || code == 20;
}

int SqliteDialect::maxRowsPerInsert() const {
    // QSQLITE looks each bound value up by position in a list, so a statement with n values
    // costs O(n²): keep them small.
    return 32;
}

QString SqliteDialect::uuidParam() const {
    return u"?"_s;
}

QString SqliteDialect::timeParam() const {
    return u"?"_s;
}

QString SqliteDialect::jsonParam() const {
    return u"?"_s;
}

QString SqliteDialect::timeText(const QString &column) const {
    return column;
}

// json_type() raises an error on text that is not JSON, so json_valid() guards it (CASE
// evaluates its branches lazily, AND need not).
QString SqliteDialect::jsonNumber(const QString &column, const QStringList &path) const {
    const QString at = u"'$.%1'"_s.arg(path.join(u'.'));
    return u"(CASE WHEN json_valid(%1) THEN CASE WHEN json_type(%1, %2) IN ('integer', 'real') "
           "THEN json_extract(%1, %2) END END)"_s.arg(column, at);
}

QString SqliteDialect::jsonText(const QString &column, const QStringList &path) const {
    const QString at = u"'$.%1'"_s.arg(path.join(u'.'));
    return u"(CASE WHEN json_valid(%1) THEN CASE WHEN json_type(%1, %2) = 'text' "
           "THEN json_extract(%1, %2) END END)"_s.arg(column, at);
}

QStringList SqliteDialect::migrationPreamble() const {
    return {}; // BEGIN already locks the file against other writers
}

QString SqliteDialect::now() const {
    return u"strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"_s;
}

QString SqliteDialect::nowPlusMs(qint64 ms) const {
    return u"strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '%1%2 seconds')"_s.arg(
        ms < 0 ? u"-"_s : u"+"_s, QString::number(double(std::abs(ms)) / 1000.0, 'f', 3));
}

QString SqliteDialect::skipLocked() const {
    return {}; // SQLite runs one writer at a time
}

bool SqliteDialect::isSingleProcess() const {
    return true;
}

bool SqliteDialect::lockForThisProcess(const DatabaseUrl &url, QString *error) {
    if (m_lock)
        return true;
    QDir().mkpath(QFileInfo(url.sqlitePath()).absolutePath());
    const QString path = QFileInfo(url.sqlitePath()).absoluteFilePath() + u".lock"_s;
    // One lock per file and process, shared: the console starts its next server while the last
    // one's database is still closing.
    static QMutex mutex;
    static QHash<QString, std::weak_ptr<QLockFile>> locks;
    QMutexLocker locker(&mutex);
    if (std::shared_ptr<QLockFile> held = locks.value(path).lock()) {
        m_lock = std::move(held);
        return true;
    }
    auto lock = std::make_shared<QLockFile>(path);
    // Held for as long as the process runs; only a holder that is gone makes it stale.
    lock->setStaleLockTime(0);
    if (lock->tryLock(0)) {
        locks.insert(path, lock);
        m_lock = std::move(lock);
        return true;
    }
    if (lock->error() == QLockFile::LockFailedError) {
        qint64 pid = 0;
        QString host;
        QString application;
        lock->getLockInfo(&pid, &host, &application);
        *error =
            u"the SQLite database %1 is already in use by another process (%2, pid %3 on "
            "%4). SQLite serves one instance: stop that one, give this one another "
            "database (--database-url or --data-dir), or use PostgreSQL to run several "
            "instances"_s
                .arg(url.sqlitePath(), application.isEmpty() ? u"unknown program"_s : application)
                .arg(pid)
                .arg(host.isEmpty() ? u"an unknown host"_s : host);
    } else {
        *error =
            u"cannot create the lock file %1 (check that its directory is writable)"_s.arg(path);
    }
    return false;
}
