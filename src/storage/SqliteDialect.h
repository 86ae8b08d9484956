#pragma once

#include "storage/SqlDialect.h"

// SQLite: a file, WAL journal, foreign keys on; statements are prepared and bound.
class SqliteDialect : public SqlDialect {
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
    QStringList migrationPreamble() const override;
};
