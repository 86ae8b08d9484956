#pragma once

#include "storage/DatabaseTask.h"
#include "storage/DatabaseUrl.h"
#include "storage/InstanceLease.h"
#include "storage/SqlDialect.h"

#include <QHash>
#include <QMutex>
#include <QObject>
#include <QPromise>
#include <QSqlDatabase>
#include <deque>
#include <memory>

class OwnerChangeListener;
class QTimer;

// The database thread's side of Database: owns the connection and the queue. Writes are
// committed in batches of up to kBatchSize, one transaction each, in queue order; a job runs
// once every write before it is committed. When the connection fails, the failed batch and
// everything after it stay queued, the connection is re-opened with backoff (250 ms doubling to
// 10 s) and committing resumes where it stopped. It also keeps this instance's lease: the row is
// inserted at open, renewed every heartbeat (between batches, never behind the queue) and at
// each reconnect, and deleted at shutdown. On PostgreSQL the connection LISTENs for takeovers
// of this instance's sessions (OwnerChangeListener), again after each reconnect.
class DatabaseWorker : public QObject {
    Q_OBJECT
public:
    static constexpr int kBatchSize = 256;
    static constexpr int kMaxBackoffMs = 10000; // the longest wait between reconnect attempts

    explicit DatabaseWorker(QObject *parent = nullptr);
    ~DatabaseWorker() override;

    // Any thread.
    void enqueue(DatabaseTask task);

    // Database thread only (invoke queued).
    void open(const DatabaseUrl &url, const InstanceLease &lease,
              const std::shared_ptr<QPromise<void>> &promise);
    // Commits what it can within graceMs, fails the remaining jobs, closes the connection,
    // deletes itself and ends the thread.
    void shutdown(int graceMs);

Q_SIGNALS:
    void writesDone(int count); // committed, or discarded because the database rejected them
    void healthChanged(bool healthy, const QString &reason);
    // The lease was registered or renewed; `ownedSessions` live sessions name this instance
    // their owner.
    void leaseRenewed(int ownedSessions);
    // Another instance (or this one) notified that it now owns the session (PostgreSQL).
    void sessionOwnerChanged(const QUuid &sessionId, const QString &newOwner);

private:
    enum class State { Closed, Connected, Reconnecting };

    void schedule();
    void process();
    // One batch of writes or one job. False when there is nothing to do or no connection.
    bool step();
    // The number of writes done (committed or rejected); `rejected` gets the index and the
    // database's error of each rejected one.
    int commitWrites(const QList<WriteOp> &ops, QHash<int, QString> *rejected);
    bool commitOne(const WriteOp &op, QSqlError *error);
    void runJob(DatabaseTask &job);
    bool connect(QString *error);
    void connectionLost(const QString &reason);
    void reconnect();
    void failWaitingJobs(const QString &message, bool includingFlushes);
    void setHealth(bool healthy, const QString &reason);
    void renewLease();

    QMutex m_mutex;
    std::deque<DatabaseTask> m_queue; // guarded by m_mutex
    bool m_scheduled = false;         // guarded by m_mutex

    State m_state = State::Closed;
    std::unique_ptr<SqlDialect> m_dialect;
    DatabaseUrl m_url;
    QString m_connectionName;
    QSqlDatabase m_db;
    QTimer *m_reconnectTimer = nullptr;
    QTimer *m_heartbeatTimer = nullptr;
    OwnerChangeListener *m_listener = nullptr;
    InstanceLease m_lease;
    int m_backoffMs;
    bool m_healthy = false;
    QString m_lastReason;
};
