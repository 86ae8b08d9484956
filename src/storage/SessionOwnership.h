#pragma once

#include "storage/SessionClaim.h"
#include "storage/SqlStore.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QUuid>

class SqlDialect;

// The statements of a session's move from one instance to another (ARCHITECTURE.md, Several
// instances), run on the database thread for the instance `instanceId`: claiming a stored
// session (with a notification to the instance that held it, on PostgreSQL), seeing whether
// that one let go, and finding the sessions held here that another instance owns now. Every
// method throws SqlFailure when a statement fails.
class SessionOwnership : private SqlStore {
public:
    // The PostgreSQL notification channel; the payload is "SESSION_ID NEW_OWNER".
    static QString channel() { return QStringLiteral("rtai_session_owner"); }

    SessionOwnership(const QSqlDatabase &db, const SqlDialect &dialect, const QString &instanceId);

    // In one transaction: makes this instance the owner of the stored session `id` (reopened
    // like SessionStore's createSession: end_time, summary and claim cleared) and, when another
    // instance owned it, notifies that one (sent at commit).
    SessionClaim claim(const QUuid &id, const QString &userId, const QDateTime &startTime);
    // Whether the previous owner let go: it stored a `session_end` after `afterEventId`, its
    // lease expired or is gone, it has not renewed its lease for `silentForMs` (a killed instance:
    // its clients must not wait for its lease to expire), or the session is no longer this
    // instance's.
    bool isReleased(const QUuid &id, const QString &previousOwner, qint64 afterEventId,
                    qint64 silentForMs);
    // Of `ids`, those whose owner is another instance, with that owner.
    QHash<QUuid, QString> ownedElsewhere(const QList<QUuid> &ids);

private:
    // True when the instance named by the SQL expression holds an unexpired lease.
    QString liveLease(const QString &instanceExpression) const;

    QString m_instanceId;
};
