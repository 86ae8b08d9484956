#pragma once

#include "storage/SessionMatch.h"
#include "storage/SessionSearchPage.h"
#include "storage/SessionSearchQuery.h"
#include "storage/SqlStore.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringList>

class SessionStore;
class SqlDialect;

// Full-text search over sessions (migration 005): SQLite's FTS5 tables, PostgreSQL's GIN
// expression indexes with the 'simple' configuration. Runs on the database thread; throws
// SqlFailure when a statement fails.
class SessionSearchStore : private SqlStore {
public:
    SessionSearchStore(const QSqlDatabase &db, const SqlDialect &dialect,
                       const SessionStore &sessions);

    SessionSearchPage search(const SessionSearchQuery &query);

    // The words of a query: its runs of letters and digits, as both backends' tokenizers split
    // text (everything else separates words and can match nothing).
    static QStringList words(const QString &text);
    // An FTS5 MATCH expression that searches each word literally, as a prefix.
    static QString ftsExpression(const QStringList &words);
    // Splits a snippet marked with U+0002 (start of a match) and U+0003 (its end).
    static SessionMatch parseSnippet(const QString &marked);

private:
    QString sqliteSql(const QString &conditions) const;
    QString postgresSql(const QString &conditions) const;

    const SessionStore &m_sessions;
};
