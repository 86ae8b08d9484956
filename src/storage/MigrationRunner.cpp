#include "storage/MigrationRunner.h"

#include "core/Logging.h"
#include "core/Timestamps.h"
#include "storage/SqlDialect.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

MigrationRunner::MigrationRunner(const QSqlDatabase &db, const SqlDialect &dialect)
    : m_db(db)
    , m_dialect(dialect) {}

QStringList MigrationRunner::splitStatements(const QString &script) {
    // A trigger's body holds statements of its own: it ends at the `;` after its END.
    static const QRegularExpression trigger(u"^\\s*CREATE\\s+(TEMP\\s+|TEMPORARY\\s+)?TRIGGER\\b"_s,
                                            QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression end(u"\\bEND\\s*$"_s,
                                        QRegularExpression::CaseInsensitiveOption);
    QStringList statements;
    QString current;
    bool inQuote = false;
    for (qsizetype i = 0; i < script.size(); ++i) {
        const QChar c = script.at(i);
        if (!inQuote && c == u'-' && i + 1 < script.size() && script.at(i + 1) == u'-') {
            while (i < script.size() && script.at(i) != u'\n')
                ++i;
            current += u'\n';
            continue;
        }
        if (c == u'\'')
            inQuote = !inQuote;
        if (c == u';' && !inQuote) {
            if (trigger.match(current).hasMatch() && !end.match(current).hasMatch()) {
                current += c;
                continue;
            }
            if (!current.trimmed().isEmpty())
                statements << current.trimmed();
            current.clear();
            continue;
        }
        current += c;
    }
    if (!current.trimmed().isEmpty())
        statements << current.trimmed();
    return statements;
}

bool MigrationRunner::execute(const QString &statement, QString *error) {
    QSqlQuery query(m_db);
    if (query.exec(statement))
        return true;
    *error = query.lastError().text();
    return false;
}

bool MigrationRunner::appliedVersions(QList<int> *versions, QString *error) {
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(u"SELECT version FROM rtai_schema_migrations"_s)) {
        *error = query.lastError().text();
        return false;
    }
    while (query.next())
        versions->append(query.value(0).toInt());
    return true;
}

bool MigrationRunner::run(QString *error) {
    static const QRegularExpression namePattern(u"^(\\d{3})_[A-Za-z0-9_]+\\.sql$"_s);
    const QStringList preamble = m_dialect.migrationPreamble();
    const auto begin = [&](QString *message) {
        if (!m_db.transaction()) {
            *message = m_db.lastError().text();
            return false;
        }
        for (const QString &statement : preamble) {
            if (!execute(statement, message))
                return false;
        }
        return true;
    };

    QString message;
    if (!begin(&message) ||
        !execute(u"CREATE TABLE IF NOT EXISTS rtai_schema_migrations (version INTEGER PRIMARY "
                 "KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"_s,
                 &message) ||
        !m_db.commit()) {
        if (message.isEmpty())
            message = m_db.lastError().text();
        m_db.rollback();
        *error = u"cannot create the migrations table: "_s + message;
        return false;
    }

    const QDir dir(m_dialect.migrationsPath());
    const QStringList files = dir.entryList({u"*.sql"_s}, QDir::Files, QDir::Name);
    for (const QString &file : files) {
        const QRegularExpressionMatch match = namePattern.match(file);
        if (!match.hasMatch()) {
            *error = u"migration file name %1 is not NNN_name.sql"_s.arg(file);
            return false;
        }
        const int version = match.captured(1).toInt();

        QList<int> applied;
        if (!begin(&message) || !appliedVersions(&applied, &message)) {
            m_db.rollback();
            *error = u"cannot read the applied migrations: "_s + message;
            return false;
        }
        if (applied.contains(version)) {
            m_db.rollback();
            continue;
        }

        QFile script(dir.filePath(file));
        if (!script.open(QIODevice::ReadOnly)) {
            m_db.rollback();
            *error = u"cannot read migration %1: %2"_s.arg(file, script.errorString());
            return false;
        }
        const QStringList statements = splitStatements(QString::fromUtf8(script.readAll()));
        for (const QString &statement : statements) {
            if (!execute(statement, &message)) {
                m_db.rollback();
                *error =
                    u"migration %1 failed: %2 (in: %3)"_s.arg(file, message, statement.left(200));
                return false;
            }
        }
        QSqlQuery record(m_db);
        if (!m_dialect.exec(record,
                            u"INSERT INTO rtai_schema_migrations (version, name, applied_at) "
                            "VALUES (?, ?, ?)"_s,
                            {version, file, Timestamps::toIso(Timestamps::now())}) ||
            !m_db.commit()) {
            const QString text =
                record.lastError().isValid() ? record.lastError().text() : m_db.lastError().text();
            m_db.rollback();
            *error = u"cannot record migration %1: %2"_s.arg(file, text);
            return false;
        }
        qCInfo(lcStorage) << "applied migration" << file;
    }
    return true;
}
