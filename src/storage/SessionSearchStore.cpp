#include "storage/SessionSearchStore.h"

#include "core/Timestamps.h"
#include "storage/SessionStore.h"
#include "storage/SqlDialect.h"

#include <QSqlRecord>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {
constexpr QChar kMatchStart = QChar(0x02);
constexpr QChar kMatchEnd = QChar(0x03);
} // namespace

SessionSearchStore::SessionSearchStore(const QSqlDatabase &db, const SqlDialect &dialect,
                                       const SessionStore &sessions)
    : SqlStore(db, dialect)
    , m_sessions(sessions) {}

QStringList SessionSearchStore::words(const QString &text) {
    QStringList result;
    QString word;
    for (const char32_t c : text.toUcs4()) {
        if (QChar::isLetterOrNumber(c)) {
            word += QString::fromUcs4(&c, 1);
        } else if (!word.isEmpty()) {
            result << word;
            word.clear();
        }
    }
    if (!word.isEmpty())
        result << word;
    return result;
}

QString SessionSearchStore::ftsExpression(const QStringList &words) {
    QStringList phrases;
    for (QString word : words)
        phrases << u'"' + word.replace(u'"', u"\"\""_s) + u"\"*"_s;
    return phrases.join(u' ');
}

SessionMatch SessionSearchStore::parseSnippet(const QString &marked) {
    SessionMatch match;
    match.snippet.reserve(marked.size());
    qsizetype start = -1;
    for (QChar c : marked) {
        if (c == kMatchStart) {
            start = match.snippet.size();
        } else if (c == kMatchEnd) {
            if (start >= 0 && match.snippet.size() > start)
                match.highlights.append({start, match.snippet.size() - start});
            start = -1;
        } else {
            // One line: line breaks and other control characters become spaces, one for one, so
            // the highlights stay where they are.
            match.snippet += c.category() == QChar::Other_Control ? u' ' : c;
        }
    }
    return match;
}

QString SessionSearchStore::sqliteSql(const QString &conditions) const {
    // The first matching message gives the snippet, else the title or summary.
    return u"WITH hits AS MATERIALIZED ("
           "SELECT session_id AS sid, 0 AS kind, rowid AS ord, "
           "snippet(session_events_fts, 0, char(2), char(3), '…', 16) AS snip "
           "FROM session_events_fts WHERE session_events_fts MATCH ? "
           "UNION ALL SELECT session_id, 1, rowid, "
           "snippet(sessions_fts, -1, char(2), char(3), '…', 16) "
           "FROM sessions_fts WHERE sessions_fts MATCH ?) "
           "SELECT %1, (SELECT h.snip FROM hits h WHERE h.sid = s.session_id "
           "ORDER BY h.kind, h.ord LIMIT 1) FROM sessions s "
           "WHERE s.session_id IN (SELECT sid FROM hits)%2 "
           "ORDER BY s.start_time DESC, s.session_id DESC LIMIT ?"_s.arg(
               m_sessions.sessionColumns(), conditions);
}

QString SessionSearchStore::postgresSql(const QString &conditions) const {
    // The words become prefix lexemes ('word':* & …) as PostgreSQL's own parser splits them,
    // each quoted, so no character of the text is tsquery syntax. The expressions and the
    // predicate are those of migration 005's indexes.
    return u"WITH q AS MATERIALIZED (SELECT to_tsquery('simple'::regconfig, COALESCE(("
           "SELECT string_agg('''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || "
           "''':*', ' & ') FROM unnest(to_tsvector('simple'::regconfig, ?::text))), '')) AS "
           "query), "
           "hits AS (SELECT e.session_id AS sid, 0 AS kind, e.id AS ord, "
           "left(e.content, 100000) AS body FROM session_events e, q "
           "WHERE e.event_type IN ('user_message', 'assistant_message') "
           "AND to_tsvector('simple'::regconfig, left(e.content, 100000)) @@ q.query "
           "UNION ALL SELECT s.session_id, 1, 0, COALESCE(s.title, '') || ' ' || "
           "COALESCE(s.summary, '') FROM sessions s, q WHERE to_tsvector('simple'::regconfig, "
           "COALESCE(s.title, '') || ' ' || COALESCE(s.summary, '')) @@ q.query), "
           "firsts AS (SELECT DISTINCT ON (sid) sid, body FROM hits ORDER BY sid, kind, ord) "
           "SELECT %1, ts_headline('simple'::regconfig, f.body, q.query, 'StartSel=' || chr(2) || "
           "', StopSel=' || chr(3) || ', MaxFragments=1, MaxWords=24, MinWords=10, ShortWord=0') "
           "FROM sessions s JOIN firsts f ON f.sid = s.session_id CROSS JOIN q "
           "WHERE TRUE%2 ORDER BY s.start_time DESC, s.session_id DESC LIMIT ?"_s.arg(
               m_sessions.sessionColumns(), conditions);
}

SessionSearchPage SessionSearchStore::search(const SessionSearchQuery &searchQuery) {
    SessionSearchPage page;
    const QStringList found = words(searchQuery.text.left(SessionSearchQuery::kMaxTextLength));
    if (found.isEmpty())
        return page;
    const int limit = std::clamp(searchQuery.limit, 1, SessionSearchQuery::kMaxLimit);
    const bool sqlite = m_dialect.driverName() == "QSQLITE"_L1;
    QVariantList values;
    if (sqlite) {
        const QString expression = ftsExpression(found);
        values << expression << expression;
    } else {
        values << found.join(u' ');
    }
    QString conditions;
    if (!searchQuery.userId.isEmpty()) {
        conditions += u" AND s.user_id = ?"_s;
        values << QString(searchQuery.userId).remove(QChar(0));
    }
    if (searchQuery.before.isValid()) {
        conditions += u" AND s.start_time < "_s + m_dialect.timeParam();
        values << Timestamps::toIso(searchQuery.before);
    }
    values << limit + 1;
    QSqlQuery query =
        run(sqlite ? sqliteSql(conditions) : postgresSql(conditions), values, u"search sessions"_s);
    const int snippetColumn = query.record().count() - 1;
    while (query.next()) {
        SessionMatch match = parseSnippet(query.value(snippetColumn).toString());
        match.session = SessionStore::readSession(query);
        page.matches << match;
    }
    if (page.matches.size() > limit) {
        page.matches.removeLast();
        page.nextBefore = page.matches.constLast().session.startTime;
    }
    return page;
}
