#include "storage/SqliteDialect.h"

#include "storage/DatabaseUrl.h"

#include <QDir>
#include <QFileInfo>

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

QStringList SqliteDialect::migrationPreamble() const {
    return {}; // BEGIN already locks the file against other writers
}
