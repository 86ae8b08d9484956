#pragma once

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QVariantList>

class DatabaseUrl;

// What differs between the SQLite and PostgreSQL backends: connecting, how values reach a
// statement, the SQL spelling of typed parameters, and which errors are about the data rather
// than the connection. Lives on the database thread.
class SqlDialect {
public:
    virtual ~SqlDialect() = default;

    virtual QString driverName() const = 0;     // QSQLITE / QPSQL
    virtual QString migrationsPath() const = 0; // Qt resource folder of NNN_name.sql files
    virtual void configure(QSqlDatabase &db, const DatabaseUrl &url) const = 0;
    // Runs after every (re)connect, outside any transaction.
    virtual bool prepareConnection(QSqlDatabase &db, QString *error) const = 0;
    // Runs `sql`, whose `?` placeholders (outside quotes) take `values` in order.
    virtual bool exec(QSqlQuery &query, const QString &sql, const QVariantList &values) const = 0;
    // A failure caused by the statement's data (constraint, invalid value): retrying it can
    // never succeed. Anything else is treated as the connection being unusable.
    virtual bool isDataError(const QSqlError &error) const = 0;

    // How many rows one multi-row INSERT should carry.
    virtual int maxRowsPerInsert() const = 0;

    // Placeholders for typed values (all values are passed as text or integers).
    virtual QString uuidParam() const = 0;
    virtual QString timeParam() const = 0;
    virtual QString jsonParam() const = 0;
    // An expression reading a timestamp column as ISO 8601 UTC text with milliseconds.
    virtual QString timeText(const QString &column) const = 0;
    // An expression reading the JSON value at `path` (object keys) of a metadata column: a
    // number, or NULL where it is missing, not a number, or the column is not valid JSON;
    // jsonText the same for a string.
    virtual QString jsonNumber(const QString &column, const QStringList &path) const = 0;
    virtual QString jsonText(const QString &column, const QStringList &path) const = 0;
    // Run first in each migration transaction: serializes migrations run by several processes
    // at once and quiets notices such as "relation already exists, skipping".
    virtual QStringList migrationPreamble() const = 0;

    // The database's current time, and that time plus `ms` (negative: minus), as expressions
    // comparable with the time columns. Leases and claims use the database's clock, so the
    // instances' clocks need not agree.
    virtual QString now() const = 0;
    virtual QString nowPlusMs(qint64 ms) const = 0;
    // Ends a SELECT that picks rows to claim: concurrent claimants skip the rows another
    // transaction has locked instead of waiting for them. Empty where writers are serialized.
    virtual QString skipLocked() const = 0;
    // Only this process may use the database (SQLite, see lockForThisProcess): any other
    // instance that left rows behind is gone.
    virtual bool isSingleProcess() const = 0;
    // Runs once before the first connection. False (and why) when another process holds the
    // database this dialect allows only one process on.
    virtual bool lockForThisProcess(const DatabaseUrl &url, QString *error) = 0;
};
