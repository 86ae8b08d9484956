#pragma once

#include "core/Event.h"
#include "core/Session.h"
#include "storage/SessionOwnership.h"
#include "storage/SessionPage.h"
#include "storage/SessionQuery.h"
#include "storage/SessionSearchStore.h"
#include "storage/SessionUsageStore.h"
#include "storage/SqlStore.h"
#include "storage/WriteOp.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <optional>

class SqlDialect;

// The statements behind Database's operations, run on the database thread against an open
// connection, for the instance `instanceId`: the sessions it creates are owned by it, it ends
// only its own, and it claims summaries in its name. Every method throws SqlFailure when a
// statement fails; transactions are the caller's business, except storeSummary's.
class SessionStore : private SqlStore {
public:
    SessionStore(const QSqlDatabase &db, const SqlDialect &dialect, const QString &instanceId);

    void apply(const WriteOp &op);
    // The same as apply() on each, with consecutive events inserted by one statement.
    void applyAll(const QList<WriteOp> &ops);
    bool deleteSession(const QUuid &id);
    // Gives the session the user's title, which no automatic title replaces; false when there
    // is no such session.
    bool renameSession(const QUuid &id, const QString &title);
    // Ends the live sessions of instances that are gone (lease expired, or no owner recorded)
    // at their last event, and makes this instance their owner (so the gone one, should it
    // come back, cannot end them again); never one of this instance or of another live one.
    QList<QUuid> endAbandonedSessions();

    // Summary claims. A claim is this instance's right to summarize an ended session; it lasts
    // claimMs or until the claimant's lease expires, whichever is first.
    // Claims up to `limit` ended sessions without a summary (fewer than maxAttempts failed
    // attempts, unclaimed or claimed by an instance that is gone), oldest end first; each with
    // its summaryAttempts. Concurrent claimants get disjoint sets.
    QList<Session> claimSummaries(int limit, int maxAttempts, int claimMs);
    // Claims (or extends this instance's claim on) one session; its failed attempts so far, or
    // nullopt when it is not claimable (not ended, summarized, or another live instance's).
    std::optional<int> claimSummary(const QUuid &id, int maxAttempts, int claimMs);
    // In one transaction: the summary and its `summary` event, only while this instance holds
    // the claim and there is no summary yet. False when nothing was stored.
    bool storeSummary(const QUuid &id, const QString &summary);

    // The statements of takeovers between instances, on the same connection.
    SessionOwnership ownership() const { return {m_db, m_dialect, m_instanceId}; }
    SessionUsageStore usage() const { return {m_db, m_dialect}; }
    SessionSearchStore search() const { return {m_db, m_dialect, *this}; }

    std::optional<Session> session(const QUuid &id);
    SessionPage sessions(const SessionQuery &query);
    QList<Event> events(const QUuid &sessionId, qint64 afterId, int limit);
    QList<Session> sessionsNeedingSummary(int maxAttempts);

    // The select list readSession() reads, for `sessions s`.
    QString sessionColumns() const;
    static Session readSession(const QSqlQuery &query);

private:
    void insertEvents(const QList<const Event *> &events);
    void titlesFromMessages(const QList<const Event *> &events);
    void titleFromSummary(const QUuid &sessionId, const QString &summary);
    QString otherAndGone(const QString &instanceColumn, const QString &expiryColumn = {}) const;

    QString m_instanceId;
};
