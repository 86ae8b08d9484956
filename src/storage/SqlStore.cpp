#include "storage/SqlStore.h"

#include "storage/SqlDialect.h"
#include "storage/SqlFailure.h"

SqlStore::SqlStore(const QSqlDatabase &db, const SqlDialect &dialect)
    : m_db(db)
    , m_dialect(dialect) {}

QSqlQuery SqlStore::run(const QString &sql, const QVariantList &values, const QString &what) {
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!m_dialect.exec(query, sql, values))
        throw SqlFailure{query.lastError(), what};
    return query;
}
