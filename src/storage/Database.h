#pragma once

#include "core/Event.h"
#include "core/Session.h"
#include "core/SessionUsage.h"
#include "storage/InstanceLease.h"
#include "storage/SessionClaim.h"
#include "storage/SessionPage.h"
#include "storage/SessionQuery.h"
#include "storage/SessionSearchPage.h"
#include "storage/SessionSearchQuery.h"
#include "storage/StorageError.h"
#include "storage/WriteOp.h"

#include <QElapsedTimer>
#include <QFuture>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QPromise>
#include <QUuid>
#include <memory>
#include <optional>

class QThread;
class DatabaseWorker;

// The program's database: SQLite (default) or PostgreSQL / Supabase, chosen by URL.
//
// Lives on the main thread and never blocks it: every statement runs on a database thread that
// owns the connection. Writes, reads and the takeover calls may come from any thread (each
// network thread's sessions use it); its signals are emitted on the main thread, except
// queueDepthChanged and writesRejected, emitted on the writing thread. Writes (the void methods)
// are queued, committed in order in batches of one transaction each, and never dropped: when the
// connection is lost they stay queued and are committed once it is back. Beyond maxQueuedWrites()
// waiting writes, new ones are refused (logged, writesRejected()). A write the database rejects as
// invalid (e.g. an event for a session that does not exist) is discarded alone, with a warning; the
// rest of its batch is committed. Every read sees every write queued before it. Failed futures
// carry a StorageError.
//
// Each Database is one instance among those that may share the database (InstanceLease): the
// sessions it creates are owned by it, it ends only its own, and it claims summaries in its
// name. SQLite allows one process per file: open() fails when another one holds it.
//
// Text is stored verbatim except NUL characters, which PostgreSQL cannot store: they become
// U+FFFD on every backend, and an event whose content or metadata had one gets
// `"nul_replaced": true` in its metadata.
class Database : public QObject {
    Q_OBJECT
public:
    explicit Database(QObject *parent = nullptr);
    // Commits what is queued (waiting at most a few seconds for an unavailable database), then
    // stops the database thread.
    ~Database() override;

    // The lease settings; call before open(). The instance id is made by the constructor (a
    // new UUID) unless `lease` names one.
    void setLease(const InstanceLease &lease);
    const InstanceLease &lease() const { return m_lease; }
    QString instanceId() const { return m_lease.instanceId; }

    // Parses the URL (see DatabaseUrl), connects, applies pending migrations and registers the
    // instance's lease, renewed from then on. Writes made before open() wait in the queue.
    // Fails with a StorageError naming the problem.
    QFuture<void> open(const QString &databaseUrl);
    QString backendName() const; // "sqlite" / "postgresql"; empty before open()
    // Only this process may use the database (SQLite): sessions of other instances can be
    // recovered without waiting for their leases.
    bool isSingleProcess() const;

    // Writes.
    // Creates the session, owned by this instance; if it exists, it is reopened instead: this
    // instance becomes its owner, end_time, summary, the summary attempts and claim are cleared
    // (user_id and start_time are kept).
    void createSession(const QUuid &id, const QString &userId, const QDateTime &startTime);
    // Only while this instance owns the session (or no owner is recorded).
    void endSession(const QUuid &id, const QDateTime &endTime);
    // event.id is ignored; an invalid createdAt (Event::make sets it) is stored as the time of
    // the write, as are invalid start and end times.
    void appendEvent(const Event &event);
    // appendEvent(), and a future that finishes once the event is committed (in queue order:
    // every write queued before it is committed too). It fails (StorageError) when the write is
    // refused (queue full) or rejected by the database; it never finishes while the database is
    // unavailable, and is cancelled when the database shuts down with the write still queued.
    QFuture<void> appendEventCommitted(const Event &event);
    void setSummary(const QUuid &id, const QString &summary);
    // Counts one failed summary attempt and keeps the error text (summary_error).
    void recordSummaryFailure(const QUuid &id, const QString &error);
    QFuture<bool> deleteSession(const QUuid &id); // false: no such session; events go with it
    // A session's title is set from its first user message and replaced by one from its
    // summary (core/SessionTitle), unless a user renamed it: the user's title stays. `title`
    // is stored as given (SessionTitle::fromUser checks it); false: no such session.
    QFuture<bool> renameSession(const QUuid &id, const QString &title);
    QFuture<void> flush(); // resolves when every earlier write is committed

    // Reads. Each sees every write queued before it; fails at once while the database is
    // unavailable.
    QFuture<std::optional<Session>> session(const QUuid &id);
    QFuture<SessionPage> sessions(const SessionQuery &query);
    // What the replies of each of `ids` used (SessionUsageStore): sessions that do not exist are
    // left out.
    QFuture<QHash<QUuid, SessionUsage>> sessionUsage(const QList<QUuid> &ids);
    // Full-text search (SessionSearchStore): the matching sessions, newest first, each with a
    // snippet of what matched. A text without words finds nothing.
    QFuture<SessionSearchPage> searchSessions(const SessionSearchQuery &query);
    // Events with id > afterId in id order, at most `limit` (clamped to 1..10000).
    QFuture<QList<Event>> events(const QUuid &sessionId, qint64 afterId = 0, int limit = 1000);
    // Every event of the session, in id order, read page by page in one job.
    QFuture<QList<Event>> allEvents(const QUuid &sessionId);
    // Ended sessions without a summary whose failed attempts are fewer than maxAttempts,
    // oldest end first.
    QFuture<QList<Session>> sessionsNeedingSummary(int maxAttempts);
    // Sessions left open by an instance that is gone (its lease expired; with SQLite, any
    // other instance; or no owner recorded) get end_time = their last event's time (or their
    // start time if they have none). Never a session of this or another live instance.
    QFuture<QList<QUuid>> endAbandonedSessions();
    // Summary claims (SessionStore::claimSummaries, claimSummary, storeSummary): claims last
    // claimMs, or until the claimant's lease expires.
    QFuture<QList<Session>> claimSummaries(int limit, int maxAttempts, int claimMs);
    QFuture<std::optional<int>> claimSummary(const QUuid &id, int maxAttempts, int claimMs);
    // The summary and its `summary` event, once: false when this instance no longer holds the
    // claim or the session already has a summary.
    QFuture<bool> storeSummary(const QUuid &id, const QString &summary);

    // Takeovers between instances (SessionOwnership): makes this instance the owner of a stored
    // session (notifying the previous owner on PostgreSQL) and says whether to wait for that
    // one to let go; whether it did; and which of `ids` another instance owns now, with their
    // owners.
    QFuture<SessionClaim> claimSession(const QUuid &id, const QString &userId,
                                       const QDateTime &startTime);
    QFuture<bool> sessionReleased(const QUuid &id, const QString &previousOwner,
                                  qint64 afterEventId);
    QFuture<QHash<QUuid, QString>> sessionsOwnedElsewhere(const QList<QUuid> &ids);

    int queueDepth() const; // writes queued and not yet committed
    bool isHealthy() const; // connected, and the last statement did not fail for lack of it
    // Since when the connection is back after it was lost: -1 while unhealthy or when it was
    // never lost since open().
    qint64 msSinceConnectionRestored() const;
    // How long after its connection came back an instance must wait before it treats others'
    // expired leases as death: the database was gone for them too, and each live one renews
    // within its longest reconnect delay (10 s) plus the lease expiry.
    int recoveryGraceMs() const;
    // This instance's lease as last seen: whether it is held (renewed less than the expiry
    // ago), how long ago it was last registered or renewed (-1: never), and how many live
    // sessions name this instance their owner at that renewal.
    bool holdsLease() const;
    qint64 msSinceLeaseRenewal() const;
    int ownedSessions() const { return m_ownedSessions; }

    // Writes beyond this many queued ones are refused (logged, counted in rejectedWrites()).
    // A warning is logged when the queue is 75% full.
    void setMaxQueuedWrites(int max);
    int maxQueuedWrites() const;
    qint64 rejectedWrites() const;

Q_SIGNALS:
    void healthChanged(bool healthy, const QString &reason);
    void queueDepthChanged(int depth);
    void writesRejected(qint64 total); // a write was refused because the queue was full
    void leaseRenewed(int ownedSessions);
    // PostgreSQL, unless the lease says otherwise: an instance notified that it took the
    // session over (this one included).
    void sessionOwnerChanged(const QUuid &sessionId, const QString &newOwner);

private:
    bool enqueueWrite(WriteOp op, std::shared_ptr<QPromise<void>> committed = {});
    template <typename T, typename Run>
    QFuture<T> enqueueJob(Run run, bool waitsForConnection = false);
    void onWritesDone(int count);
    void onHealthChanged(bool healthy, const QString &reason);

    QThread *m_thread = nullptr;
    DatabaseWorker *m_worker = nullptr;
    InstanceLease m_lease;
    QString m_backendName;
    mutable QMutex m_admission; // the write queue's bookkeeping: writes come from every thread
    int m_queueDepth = 0;
    int m_maxQueuedWrites = 100000;
    bool m_nearFullWarned = false;
    qint64 m_rejectedWrites = 0;
    bool m_healthy = false;
    bool m_everHealthy = false;
    QElapsedTimer m_restoredSince;     // invalid until the connection came back after a loss
    QElapsedTimer m_leaseRenewedSince; // invalid until the lease is registered
    int m_ownedSessions = 0;
};
