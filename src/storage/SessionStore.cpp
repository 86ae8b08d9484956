#include "storage/SessionStore.h"

#include "core/Ids.h"
#include "core/SessionTitle.h"
#include "core/Timestamps.h"
#include "storage/SqlDialect.h"
#include "storage/SqlFailure.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace {

constexpr QChar kReplacement = QChar(0xFFFD);

// PostgreSQL cannot store U+0000 in text or jsonb; every backend stores U+FFFD instead.
QString withoutNul(const QString &text, bool *replaced = nullptr) {
    if (!text.contains(QChar(0)))
        return text;
    if (replaced)
        *replaced = true;
    QString copy = text;
    copy.replace(QChar(0), kReplacement);
    return copy;
}

QJsonValue withoutNul(const QJsonValue &value, bool *replaced);

QJsonObject withoutNul(const QJsonObject &object, bool *replaced) {
    QJsonObject result;
    for (auto it = object.begin(); it != object.end(); ++it)
        result.insert(withoutNul(it.key(), replaced), withoutNul(it.value(), replaced));
    return result;
}

QJsonValue withoutNul(const QJsonValue &value, bool *replaced) {
    if (value.isString())
        return withoutNul(value.toString(), replaced);
    if (value.isObject())
        return withoutNul(value.toObject(), replaced);
    if (value.isArray()) {
        QJsonArray array;
        for (const QJsonValue &item : value.toArray())
            array.append(withoutNul(item, replaced));
        return array;
    }
    return value;
}

QVariant nullableText(const QString &text) {
    return text.isNull() ? QVariant(QMetaType::fromType<QString>()) : QVariant(withoutNul(text));
}

QString id(const QUuid &uuid) {
    return Ids::toText(uuid);
}

// A missing time is stored as the time of the write rather than rejected.
QString time(const QDateTime &value) {
    return Timestamps::toIso(value.isValid() ? value : Timestamps::now());
}

} // namespace

SessionStore::SessionStore(const QSqlDatabase &db, const SqlDialect &dialect,
                           const QString &instanceId)
    : SqlStore(db, dialect)
    , m_instanceId(instanceId) {}

void SessionStore::apply(const WriteOp &op) {
    const QString u = m_dialect.uuidParam();
    const QString t = m_dialect.timeParam();
    switch (op.kind) {
    case WriteOp::Kind::CreateSession:
        // Opening a session makes this instance its owner (the newest opener wins).
        run(u"INSERT INTO sessions (session_id, user_id, start_time, owner_instance) VALUES "
            "(%1, ?, %2, ?) ON CONFLICT (session_id) DO UPDATE SET owner_instance = "
            "excluded.owner_instance, end_time = NULL, summary = NULL, summary_attempts = 0, "
            "summary_error = NULL, summary_claimed_by = NULL, summary_claim_expires_at = NULL"_s
                .arg(u, t),
            {id(op.sessionId), withoutNul(op.text), time(op.time), m_instanceId},
            u"create session"_s);
        break;
    case WriteOp::Kind::EndSession:
        run(u"UPDATE sessions SET end_time = %1 WHERE session_id = %2 AND (owner_instance IS "
            "NULL OR owner_instance = ?)"_s.arg(t, u),
            {time(op.time), id(op.sessionId), m_instanceId}, u"end session"_s);
        break;
    case WriteOp::Kind::AppendEvent:
        insertEvents({&op.event});
        break;
    case WriteOp::Kind::SetSummary:
        run(u"UPDATE sessions SET summary = ?, summary_error = NULL, summary_claimed_by = NULL, "
            "summary_claim_expires_at = NULL WHERE session_id = %1"_s.arg(u),
            {withoutNul(op.text), id(op.sessionId)}, u"set summary"_s);
        titleFromSummary(op.sessionId, op.text);
        break;
    case WriteOp::Kind::RecordSummaryFailure:
        run(u"UPDATE sessions SET summary_attempts = summary_attempts + 1, summary_error = ? "
            "WHERE session_id = %1"_s.arg(u),
            {withoutNul(op.text), id(op.sessionId)}, u"record summary failure"_s);
        break;
    }
}

void SessionStore::applyAll(const QList<WriteOp> &ops) {
    QList<const Event *> events;
    for (const WriteOp &op : ops) {
        if (op.kind == WriteOp::Kind::AppendEvent) {
            events << &op.event;
            continue;
        }
        if (!events.isEmpty()) {
            insertEvents(events);
            events.clear();
        }
        apply(op);
    }
    if (!events.isEmpty())
        insertEvents(events);
}

void SessionStore::insertEvents(const QList<const Event *> &events) {
    const qsizetype chunk = m_dialect.maxRowsPerInsert();
    if (events.size() > chunk) {
        for (qsizetype i = 0; i < events.size(); i += chunk)
            insertEvents(events.mid(i, chunk));
        return;
    }
    const QString row = u"(%1, ?, ?, %2, %3)"_s.arg(m_dialect.uuidParam(), m_dialect.jsonParam(),
                                                    m_dialect.timeParam());
    QStringList rows;
    QVariantList values;
    values.reserve(events.size() * 5);
    for (const Event *event : events) {
        bool replaced = false;
        const QString content = withoutNul(event->content, &replaced);
        QJsonObject metadata = withoutNul(event->metadata, &replaced);
        if (replaced)
            metadata.insert(u"nul_replaced"_s, true);
        rows << row;
        values << id(event->sessionId) << withoutNul(event->type) << nullableText(content)
               << QString::fromUtf8(QJsonDocument(metadata).toJson(QJsonDocument::Compact))
               << time(event->createdAt);
    }
    run(u"INSERT INTO session_events (session_id, event_type, content, metadata, created_at) "
        "VALUES "_s +
            rows.join(u", "_s),
        values, events.size() == 1 ? u"append event"_s : u"append %1 events"_s.arg(events.size()));
    titlesFromMessages(events);
}

// A session without a title takes one from its first user message.
void SessionStore::titlesFromMessages(const QList<const Event *> &events) {
    QList<QUuid> done;
    for (const Event *event : events) {
        if (event->type != EventType::UserMessage || done.contains(event->sessionId))
            continue;
        const QString title = SessionTitle::fromText(event->content);
        if (title.isEmpty())
            continue;
        done << event->sessionId;
        run(u"UPDATE sessions SET title = ?, title_source = ? WHERE session_id = %1 AND title "
            "IS NULL"_s.arg(m_dialect.uuidParam()),
            {withoutNul(title), SessionTitle::kFromMessage, id(event->sessionId)}, u"set title"_s);
    }
}

// The summary's title replaces any title but the user's.
void SessionStore::titleFromSummary(const QUuid &sessionId, const QString &summary) {
    const QString title = SessionTitle::fromSummary(summary);
    if (title.isEmpty())
        return;
    run(u"UPDATE sessions SET title = ?, title_source = ? WHERE session_id = %1 AND "
        "(title_source IS NULL OR title_source <> ?)"_s.arg(m_dialect.uuidParam()),
        {withoutNul(title), SessionTitle::kFromSummary, id(sessionId), SessionTitle::kFromUser},
        u"set title"_s);
}

bool SessionStore::renameSession(const QUuid &sessionId, const QString &title) {
    const QSqlQuery query =
        run(u"UPDATE sessions SET title = ?, title_source = ? WHERE "
            "session_id = %1"_s.arg(m_dialect.uuidParam()),
            {withoutNul(title), SessionTitle::kFromUser, id(sessionId)}, u"rename session"_s);
    return query.numRowsAffected() > 0;
}

bool SessionStore::deleteSession(const QUuid &sessionId) {
    const QSqlQuery query =
        run(u"DELETE FROM sessions WHERE session_id = %1"_s.arg(m_dialect.uuidParam()),
            {id(sessionId)}, u"delete session"_s);
    return query.numRowsAffected() > 0;
}

QString SessionStore::otherAndGone(const QString &instanceColumn,
                                   const QString &expiryColumn) const {
    if (m_dialect.isSingleProcess())
        return u"(%1 <> ?)"_s.arg(instanceColumn);
    QString gone = u"NOT EXISTS (SELECT 1 FROM rtai_instances i WHERE i.instance_id = %1 AND "
                   "i.lease_expires_at > %2)"_s.arg(instanceColumn, m_dialect.now());
    if (!expiryColumn.isEmpty())
        gone = u"%1 < %2 OR "_s.arg(expiryColumn, m_dialect.now()) + gone;
    return u"(%1 <> ? AND (%2))"_s.arg(instanceColumn, gone);
}

QList<QUuid> SessionStore::endAbandonedSessions() {
    QSqlQuery query = run(
        u"UPDATE sessions SET end_time = COALESCE((SELECT max(e.created_at) FROM session_events "
        "e WHERE e.session_id = sessions.session_id), sessions.start_time), owner_instance = ? "
        "WHERE end_time IS NULL AND (owner_instance IS NULL OR %1) RETURNING session_id"_s.arg(
            otherAndGone(u"sessions.owner_instance"_s)),
        {m_instanceId, m_instanceId}, u"end abandoned sessions"_s);
    QList<QUuid> ids;
    while (query.next())
        ids << QUuid::fromString(query.value(0).toString());
    return ids;
}

QList<Session> SessionStore::claimSummaries(int limit, int maxAttempts, int claimMs) {
    QSqlQuery query =
        run(u"UPDATE sessions SET summary_claimed_by = ?, summary_claim_expires_at = %1 WHERE "
            "session_id IN (SELECT s.session_id FROM sessions s WHERE s.end_time IS NOT NULL AND "
            "s.summary IS NULL AND s.summary_attempts < ? AND (s.summary_claimed_by IS NULL OR %2) "
            "ORDER BY s.end_time LIMIT ?%3) RETURNING session_id, summary_attempts"_s.arg(
                m_dialect.nowPlusMs(claimMs),
                otherAndGone(u"s.summary_claimed_by"_s, u"s.summary_claim_expires_at"_s),
                m_dialect.skipLocked()),
            {m_instanceId, maxAttempts, m_instanceId, std::clamp(limit, 1, 1000)},
            u"claim summaries"_s);
    QList<Session> sessions;
    while (query.next()) {
        Session session;
        session.id = QUuid::fromString(query.value(0).toString());
        session.summaryAttempts = query.value(1).toInt();
        sessions << session;
    }
    return sessions;
}

std::optional<int> SessionStore::claimSummary(const QUuid &sessionId, int maxAttempts,
                                              int claimMs) {
    QSqlQuery query =
        run(u"UPDATE sessions SET summary_claimed_by = ?, summary_claim_expires_at = %1 WHERE "
            "session_id = %2 AND end_time IS NOT NULL AND summary IS NULL AND summary_attempts < ? "
            "AND (summary_claimed_by IS NULL OR summary_claimed_by = ? OR %3) RETURNING "
            "summary_attempts"_s.arg(m_dialect.nowPlusMs(claimMs), m_dialect.uuidParam(),
                                     otherAndGone(u"sessions.summary_claimed_by"_s,
                                                  u"sessions.summary_claim_expires_at"_s)),
            {m_instanceId, id(sessionId), maxAttempts, m_instanceId, m_instanceId},
            u"claim a summary"_s);
    if (!query.next())
        return std::nullopt;
    return query.value(0).toInt();
}

bool SessionStore::storeSummary(const QUuid &sessionId, const QString &summary) {
    if (!m_db.transaction())
        throw SqlFailure{m_db.lastError(), u"begin transaction"_s};
    try {
        const QSqlQuery update = run(
            u"UPDATE sessions SET summary = ?, summary_error = NULL, summary_claimed_by = NULL, "
            "summary_claim_expires_at = NULL WHERE session_id = %1 AND end_time IS NOT NULL AND "
            "summary IS NULL AND summary_claimed_by = ?"_s.arg(m_dialect.uuidParam()),
            {withoutNul(summary), id(sessionId), m_instanceId}, u"store summary"_s);
        const bool stored = update.numRowsAffected() == 1;
        if (stored) {
            const Event event = Event::make(sessionId, EventType::Summary, summary);
            insertEvents({&event});
            titleFromSummary(sessionId, summary);
        }
        if (!m_db.commit())
            throw SqlFailure{m_db.lastError(), u"commit"_s};
        return stored;
    } catch (const SqlFailure &) {
        m_db.rollback();
        throw;
    }
}

// The message count leaves out the turns a regenerate or edit took back (turn_withdrawn), as the
// conversation does.
QString SessionStore::sessionColumns() const {
    const QString turnId = m_dialect.jsonText(u"e.metadata"_s, {u"turn_id"_s});
    const QString withdrawnTurnId = m_dialect.jsonText(u"w.metadata"_s, {u"turn_id"_s});
    return u"s.session_id, s.user_id, %1, %2, s.summary, (SELECT count(*) FROM session_events e "
           "WHERE e.session_id = s.session_id AND e.event_type IN ('user_message', "
           "'assistant_message') AND NOT EXISTS (SELECT 1 FROM session_events w WHERE "
           "w.session_id = s.session_id AND w.event_type = 'turn_withdrawn' AND %3 = %4)), "
           "COALESCE(s.summary_attempts, 0), s.title, s.title_source"_s.arg(
               m_dialect.timeText(u"s.start_time"_s), m_dialect.timeText(u"s.end_time"_s),
               withdrawnTurnId, turnId);
}

Session SessionStore::readSession(const QSqlQuery &query) {
    Session session;
    session.id = QUuid::fromString(query.value(0).toString());
    session.userId = query.value(1).toString();
    session.startTime = Timestamps::fromIso(query.value(2).toString());
    session.endTime = Timestamps::fromIso(query.value(3).toString());
    session.summary = query.value(4).toString();
    session.messageCount = query.value(5).toLongLong();
    session.summaryAttempts = query.value(6).toInt();
    session.title = query.value(7).toString();
    session.titleSource = query.value(8).toString();
    return session;
}

std::optional<Session> SessionStore::session(const QUuid &sessionId) {
    QSqlQuery query = run(u"SELECT %1 FROM sessions s WHERE s.session_id = %2"_s.arg(
                              sessionColumns(), m_dialect.uuidParam()),
                          {id(sessionId)}, u"read session"_s);
    if (!query.next())
        return std::nullopt;
    return readSession(query);
}

SessionPage SessionStore::sessions(const SessionQuery &sessionQuery) {
    const int limit = std::clamp(sessionQuery.limit, 1, 1000);
    QStringList conditions;
    QVariantList values;
    if (!sessionQuery.userId.isEmpty()) {
        conditions << u"s.user_id = ?"_s;
        values << withoutNul(sessionQuery.userId);
    }
    if (sessionQuery.status == SessionQuery::Status::Active)
        conditions << u"s.end_time IS NULL"_s;
    else if (sessionQuery.status == SessionQuery::Status::Ended)
        conditions << u"s.end_time IS NOT NULL"_s;
    if (sessionQuery.before.isValid()) {
        conditions << u"s.start_time < "_s + m_dialect.timeParam();
        values << Timestamps::toIso(sessionQuery.before);
    }
    values << limit + 1;
    QSqlQuery query =
        run(u"SELECT %1 FROM sessions s %2 ORDER BY s.start_time DESC, s.session_id DESC "
            "LIMIT ?"_s.arg(sessionColumns(), conditions.isEmpty()
                                                  ? QString()
                                                  : u"WHERE "_s + conditions.join(u" AND "_s)),
            values, u"list sessions"_s);
    SessionPage page;
    while (query.next())
        page.sessions << readSession(query);
    if (page.sessions.size() > limit) {
        page.sessions.removeLast();
        page.nextBefore = page.sessions.constLast().startTime;
    }
    return page;
}

QList<Event> SessionStore::events(const QUuid &sessionId, qint64 afterId, int limit) {
    QSqlQuery query = run(u"SELECT id, event_type, content, metadata, %1 FROM session_events "
                          "WHERE session_id = %2 AND id > ? ORDER BY id LIMIT ?"_s.arg(
                              m_dialect.timeText(u"created_at"_s), m_dialect.uuidParam()),
                          {id(sessionId), afterId, std::clamp(limit, 1, 10000)}, u"read events"_s);
    QList<Event> events;
    while (query.next()) {
        Event event;
        event.id = query.value(0).toLongLong();
        event.sessionId = sessionId;
        event.type = query.value(1).toString();
        event.content = query.value(2).toString();
        event.metadata = QJsonDocument::fromJson(query.value(3).toString().toUtf8()).object();
        event.createdAt = Timestamps::fromIso(query.value(4).toString());
        events << event;
    }
    return events;
}

QList<Session> SessionStore::sessionsNeedingSummary(int maxAttempts) {
    QSqlQuery query = run(u"SELECT %1 FROM sessions s WHERE s.end_time IS NOT NULL AND "
                          "s.summary IS NULL AND s.summary_attempts < ? ORDER BY s.end_time "
                          "LIMIT 1000"_s.arg(sessionColumns()),
                          {maxAttempts}, u"list sessions needing a summary"_s);
    QList<Session> sessions;
    while (query.next())
        sessions << readSession(query);
    return sessions;
}
