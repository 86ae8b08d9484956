#include "storage/PostgresDialect.h"

#include "storage/DatabaseUrl.h"

#include <QSqlDriver>
#include <QSqlField>

using namespace Qt::StringLiterals;

QString PostgresDialect::driverName() const {
    return u"QPSQL"_s;
}

QString PostgresDialect::migrationsPath() const {
    return u":/sql/postgres"_s;
}

void PostgresDialect::configure(QSqlDatabase &db, const DatabaseUrl &url) const {
    db.setHostName(url.host());
    db.setPort(url.port());
    db.setUserName(url.user());
    db.setPassword(url.password());
    db.setDatabaseName(url.databaseName());
    db.setConnectOptions(url.connectOptions());
}

bool PostgresDialect::prepareConnection(QSqlDatabase &, QString *) const {
    return true;
}

QString PostgresDialect::inlineValues(const QSqlDriver *driver, const QString &sql,
                                      const QVariantList &values) {
    QString result;
    result.reserve(sql.size() + 64 * values.size());
    qsizetype next = 0;
    bool inQuote = false;
    for (QChar c : sql) {
        if (c == u'\'')
            inQuote = !inQuote;
        if (c == u'?' && !inQuote) {
            Q_ASSERT(next < values.size());
            const QVariant &value = values.at(next++);
            QSqlField field(QString(), value.metaType());
            field.setValue(value);
            result += driver->formatValue(field);
        } else {
            result += c;
        }
    }
    Q_ASSERT(next == values.size());
    return result;
}

bool PostgresDialect::exec(QSqlQuery &query, const QString &sql, const QVariantList &values) const {
    return query.exec(inlineValues(query.driver(), sql, values));
}

bool PostgresDialect::isDataError(const QSqlError &error) const {
    // SQLSTATE classes 22 (data exception), 23 (integrity constraint violation) and 54
    // (program limit exceeded, e.g. a value too large for an index).
    const QString state = error.nativeErrorCode();
    return state.startsWith(u"22"_s) || state.startsWith(u"23"_s) || state.startsWith(u"54"_s);
}

int PostgresDialect::maxRowsPerInsert() const {
    return 256;
}

QString PostgresDialect::uuidParam() const {
    return u"?::uuid"_s;
}

QString PostgresDialect::timeParam() const {
    return u"?::timestamptz"_s;
}

QString PostgresDialect::jsonParam() const {
    return u"?::jsonb"_s;
}

QString PostgresDialect::timeText(const QString &column) const {
    return u"to_char(%1 AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"_s.arg(column);
}

QString PostgresDialect::jsonNumber(const QString &column, const QStringList &path) const {
    const QString at = u"'{%1}'"_s.arg(path.join(u','));
    return u"(CASE WHEN jsonb_typeof(%1 #> %2) = 'number' THEN (%1 #>> %2)::numeric END)"_s.arg(
        column, at);
}

QString PostgresDialect::jsonText(const QString &column, const QStringList &path) const {
    const QString at = u"'{%1}'"_s.arg(path.join(u','));
    return u"(CASE WHEN jsonb_typeof(%1 #> %2) = 'string' THEN %1 #>> %2 END)"_s.arg(column, at);
}

QStringList PostgresDialect::migrationPreamble() const {
    // Both transaction-scoped, so they also work through a transaction-mode pooler.
    return {u"SET LOCAL client_min_messages = warning"_s,
            u"SELECT pg_advisory_xact_lock(7311960453012)"_s};
}

QString PostgresDialect::now() const {
    return u"now()"_s;
}

QString PostgresDialect::nowPlusMs(qint64 ms) const {
    return u"(now() + interval '%1 milliseconds')"_s.arg(ms);
}

QString PostgresDialect::skipLocked() const {
    return u" FOR UPDATE SKIP LOCKED"_s;
}

bool PostgresDialect::isSingleProcess() const {
    return false;
}

bool PostgresDialect::lockForThisProcess(const DatabaseUrl &, QString *) {
    return true; // instances coordinate through their leases
}
