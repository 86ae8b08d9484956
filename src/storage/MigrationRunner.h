#pragma once

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

class SqlDialect;

// Applies the dialect's migrations (NNN_name.sql, compiled in as Qt resources) that the
// rtai_schema_migrations table does not list yet, in order, each in its own transaction
// together with its row in that table. Runs on the database thread.
class MigrationRunner {
public:
    MigrationRunner(const QSqlDatabase &db, const SqlDialect &dialect);

    // False with *error set (naming the migration and statement) on the first failure; the
    // failed migration is rolled back, earlier ones stay applied.
    bool run(QString *error);

    // Statements of a script: split at ';' outside quotes and -- comments.
    static QStringList splitStatements(const QString &script);

private:
    bool execute(const QString &statement, QString *error);
    bool appliedVersions(QList<int> *versions, QString *error);

    QSqlDatabase m_db;
    const SqlDialect &m_dialect;
};
