#pragma once

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariantList>

class SqlDialect;

// What every store of the database thread shares: the connection, its dialect, and running one
// statement that throws SqlFailure when it fails.
class SqlStore {
protected:
    SqlStore(const QSqlDatabase &db, const SqlDialect &dialect);

    // Runs `sql` with `values` bound to its `?` placeholders, forward-only; `what` names the
    // operation in the failure.
    QSqlQuery run(const QString &sql, const QVariantList &values, const QString &what);

    QSqlDatabase m_db;
    const SqlDialect &m_dialect;
};
