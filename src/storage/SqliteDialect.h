#pragma once

#include "storage/SqlDialect.h"

#include <QLockFile>
#include <memory>

// SQLite: a file, WAL journal, foreign keys on; statements are prepared and bound. One process
// per file: several instances need PostgreSQL.
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
    QString jsonNumber(const QString &column, const QStringList &path) const override;
    QString jsonText(const QString &column, const QStringList &path) const override;
    QStringList migrationPreamble() const override;
    QString now() const override;
    QString nowPlusMs(qint64 ms) const override;
    QString skipLocked() const override;
    bool isSingleProcess() const override;
    // A lock file next to the database (NAME.lock, held while a Database of this process has
    // the file open; a crashed holder's lock is taken over): one process per SQLite file.
    bool lockForThisProcess(const DatabaseUrl &url, QString *error) override;

private:
    std::shared_ptr<QLockFile> m_lock;
};
