#include "storage/SessionOwnership.h"

#include "core/Ids.h"
#include "storage/SessionStore.h"
#include "storage/SqlDialect.h"
#include "storage/SqlFailure.h"
#include "storage/WriteOp.h"

using namespace Qt::StringLiterals;

namespace {
constexpr qsizetype kIdsPerStatement = 500;
}

SessionOwnership::SessionOwnership(const QSqlDatabase &db, const SqlDialect &dialect,
                                   const QString &instanceId)
    : SqlStore(db, dialect)
    , m_instanceId(instanceId) {}

QString SessionOwnership::liveLease(const QString &instanceExpression) const {
    return u"EXISTS (SELECT 1 FROM rtai_instances i WHERE i.instance_id = %1 AND "
           "i.lease_expires_at > %2)"_s.arg(instanceExpression, m_dialect.now());
}

SessionClaim SessionOwnership::claim(const QUuid &id, const QString &userId,
                                     const QDateTime &startTime) {
    if (!m_db.transaction())
        throw SqlFailure{m_db.lastError(), u"begin transaction"_s};
    try {
        QSqlQuery before = run(
            u"SELECT s.owner_instance, CASE WHEN s.end_time IS NULL THEN 1 ELSE 0 END, CASE WHEN "
            "%1 THEN 1 ELSE 0 END, COALESCE((SELECT max(e.id) FROM session_events e WHERE "
            "e.session_id = s.session_id), 0), COALESCE((SELECT e.event_type FROM session_events "
            "e WHERE e.session_id = s.session_id ORDER BY e.id DESC LIMIT 1), '') FROM sessions "
            "s WHERE s.session_id = %2"_s.arg(liveLease(u"s.owner_instance"_s),
                                              m_dialect.uuidParam()),
            {Ids::toText(id)}, u"read session owner"_s);
        SessionClaim claim;
        if (before.next()) {
            const QString owner = before.value(0).toString();
            if (!owner.isEmpty() && owner != m_instanceId)
                claim.previousOwner = owner;
            claim.lastEventId = before.value(3).toLongLong();
            claim.mustWait = !claim.previousOwner.isEmpty() && !m_dialect.isSingleProcess() &&
                             before.value(1).toInt() == 1 && before.value(2).toInt() == 1 &&
                             before.value(4).toString() != u"session_end";
        }
        before.finish();
        SessionStore(m_db, m_dialect, m_instanceId)
            .apply({WriteOp::Kind::CreateSession, id, userId, startTime, {}});
        if (!claim.previousOwner.isEmpty() && !m_dialect.isSingleProcess())
            run(u"SELECT pg_notify(?, ?)"_s,
                {channel(), u"%1 %2"_s.arg(Ids::toText(id), m_instanceId)},
                u"notify the previous owner"_s);
        if (!m_db.commit())
            throw SqlFailure{m_db.lastError(), u"commit"_s};
        return claim;
    } catch (const SqlFailure &) {
        m_db.rollback();
        throw;
    }
}

bool SessionOwnership::isReleased(const QUuid &id, const QString &previousOwner,
                                  qint64 afterEventId, qint64 silentForMs) {
    const QString u = m_dialect.uuidParam();
    QSqlQuery query =
        run(u"SELECT CASE WHEN EXISTS (SELECT 1 FROM session_events e WHERE e.session_id = %1 AND "
            "e.id > ? AND e.event_type = 'session_end') THEN 1 WHEN NOT EXISTS (SELECT 1 FROM "
            "rtai_instances i WHERE i.instance_id = ? AND i.lease_expires_at > %2 AND "
            "i.heartbeat_at > %3) THEN 1 WHEN NOT EXISTS (SELECT 1 FROM sessions s WHERE "
            "s.session_id = %1 AND s.owner_instance = ?) THEN 1 ELSE 0 END"_s.arg(
                u, m_dialect.now(), m_dialect.nowPlusMs(-silentForMs)),
            {Ids::toText(id), afterEventId, previousOwner, Ids::toText(id), m_instanceId},
            u"read the previous owner's release"_s);
    return query.next() && query.value(0).toInt() == 1;
}

QHash<QUuid, QString> SessionOwnership::ownedElsewhere(const QList<QUuid> &ids) {
    QHash<QUuid, QString> elsewhere;
    for (qsizetype start = 0; start < ids.size(); start += kIdsPerStatement) {
        const QList<QUuid> chunk = ids.mid(start, kIdsPerStatement);
        QStringList placeholders;
        QVariantList values{m_instanceId};
        for (const QUuid &id : chunk) {
            placeholders << m_dialect.uuidParam();
            values << Ids::toText(id);
        }
        QSqlQuery query =
            run(u"SELECT session_id, owner_instance FROM sessions WHERE owner_instance IS NOT NULL "
                "AND owner_instance <> ? AND session_id IN (%1)"_s.arg(placeholders.join(u", "_s)),
                values, u"read the owners of live sessions"_s);
        while (query.next())
            elsewhere.insert(QUuid::fromString(query.value(0).toString()),
                             query.value(1).toString());
    }
    return elsewhere;
}
