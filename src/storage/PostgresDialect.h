#pragma once

#include "storage/SqlDialect.h"

// PostgreSQL (and Supabase, directly or through its transaction-mode pooler).
//
// Statements are never prepared: QPSQL's prepare() creates a named server-side statement
// (PREPARE qpsqlpstmt_N), which a transaction-mode pooler such as pgbouncer or Supavisor may
// route to another server connection than the later EXECUTE. Instead each value is escaped by
// the driver (QSqlDriver::formatValue, which accounts for the server's backslash setting) and
// the statement is sent as one simple-protocol query.
class PostgresDialect : public SqlDialect {
public:
    QString driverName() const override;
    QString migrationsPath() const override;
    void configure(QSqlDatabase &db, const DatabaseUrl &url) const override;
    bool prepareConnection(QSqlDatabase &db, QString *error) const override;
    bool exec(QSqlQuery &query, const QString &sql, const QVariantList &values) const override;
    bool isDataError(const QSqlError &error) const override;
    int maxRowsPerInsert() const override;
    QString uuidParam() const override;
    QString timeParam() const override;
    QString jsonParam() const override;
    QString timeText(const QString &column) const override;
    QString jsonNumber(const QString &column, const QStringList &path) const override;
    QString jsonText(const QString &column, const QStringList &path) const override;
    QStringList migrationPreamble() const override;
    QString now() const override;
    QString nowPlusMs(qint64 ms) const override;
    QString skipLocked() const override;
    bool isSingleProcess() const override;
    bool lockForThisProcess(const DatabaseUrl &url, QString *error) override;

    // `sql` with every placeholder replaced by the driver's literal for its value.
    static QString inlineValues(const QSqlDriver *driver, const QString &sql,
                                const QVariantList &values);
};
