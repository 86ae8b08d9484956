#include "storage/Database.h"

#include "core/Ids.h"
#include "core/Logging.h"
#include "storage/DatabaseUrl.h"
#include "storage/DatabaseWorker.h"
#include "storage/SessionStore.h"

#include <QPromise>
#include <QThread>

using namespace Qt::StringLiterals;

namespace {
constexpr int kShutdownGraceMs = 5000;
}

Database::Database(QObject *parent)
    : QObject(parent)
    , m_thread(new QThread(this))
    , m_worker(new DatabaseWorker) {
    m_lease.instanceId = Ids::toText(QUuid::createUuid());
    m_thread->setObjectName(u"database"_s);
    m_worker->moveToThread(m_thread);
    connect(m_worker, &DatabaseWorker::writesDone, this, &Database::onWritesDone);
    connect(m_worker, &DatabaseWorker::healthChanged, this, &Database::onHealthChanged);
    connect(m_worker, &DatabaseWorker::sessionOwnerChanged, this, &Database::sessionOwnerChanged);
    connect(m_worker, &DatabaseWorker::leaseRenewed, this, [this](int ownedSessions) {
        m_leaseRenewedSince.start();
        m_ownedSessions = ownedSessions;
        Q_EMIT leaseRenewed(ownedSessions);
    });
    m_thread->start();
}

Database::~Database() {
    DatabaseWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker] { worker->shutdown(kShutdownGraceMs); }, Qt::QueuedConnection);
    m_thread->wait();
    m_worker = nullptr;
}

void Database::setLease(const InstanceLease &lease) {
    const QString id = lease.instanceId.isEmpty() ? m_lease.instanceId : lease.instanceId;
    m_lease = lease;
    m_lease.instanceId = id;
}

QFuture<void> Database::open(const QString &databaseUrl) {
    auto promise = std::make_shared<QPromise<void>>();
    promise->start();
    QString error;
    const std::optional<DatabaseUrl> url = DatabaseUrl::parse(databaseUrl, &error);
    if (!url) {
        qCWarning(lcStorage).noquote() << "invalid database URL:" << error;
        promise->setException(StorageError(u"invalid database URL: "_s + error));
        promise->finish();
        return promise->future();
    }
    m_backendName = url->backendName();
    DatabaseWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker,
        [worker, url = *url, lease = m_lease, promise] { worker->open(url, lease, promise); },
        Qt::QueuedConnection);
    return promise->future();
}

QString Database::backendName() const {
    return m_backendName;
}

bool Database::isSingleProcess() const {
    return m_backendName == u"sqlite";
}

bool Database::enqueueWrite(WriteOp op, std::shared_ptr<QPromise<void>> committed) {
    QMutexLocker locker(&m_admission);
    if (m_queueDepth >= m_maxQueuedWrites) {
        if (m_rejectedWrites++ % 1000 == 0)
            qCCritical(lcStorage).noquote()
                << u"write queue full (%1 writes waiting for the database); refusing writes, "
                   "%2 refused so far"_s.arg(m_queueDepth)
                       .arg(m_rejectedWrites);
        const qint64 rejected = m_rejectedWrites;
        locker.unlock();
        Q_EMIT writesRejected(rejected);
        return false;
    }
    const int depth = ++m_queueDepth;
    if (!m_nearFullWarned && m_queueDepth >= m_maxQueuedWrites / 4 * 3) {
        m_nearFullWarned = true;
        qCWarning(lcStorage).noquote()
            << u"write queue 75% full: %1 of %2 writes wait for the database"_s.arg(m_queueDepth)
                   .arg(m_maxQueuedWrites);
    }
    DatabaseTask task;
    task.write = std::move(op);
    task.committed = std::move(committed);
    m_worker->enqueue(std::move(task));
    locker.unlock();
    Q_EMIT queueDepthChanged(depth);
    return true;
}

template <typename T, typename Run>
QFuture<T> Database::enqueueJob(Run run, bool waitsForConnection) {
    auto promise = std::make_shared<QPromise<T>>();
    promise->start();
    DatabaseTask task;
    task.run = [promise, run = std::move(run)](SessionStore &store) {
        if constexpr (std::is_void_v<T>) {
            run(store);
        } else {
            promise->addResult(run(store));
        }
        promise->finish();
    };
    task.fail = [promise](const QString &message) {
        promise->setException(StorageError(message));
        promise->finish();
    };
    task.waitsForConnection = waitsForConnection;
    m_worker->enqueue(std::move(task));
    return promise->future();
}

void Database::createSession(const QUuid &id, const QString &userId, const QDateTime &startTime) {
    enqueueWrite({WriteOp::Kind::CreateSession, id, userId, startTime, {}});
}

void Database::endSession(const QUuid &id, const QDateTime &endTime) {
    enqueueWrite({WriteOp::Kind::EndSession, id, {}, endTime, {}});
}

void Database::appendEvent(const Event &event) {
    enqueueWrite({WriteOp::Kind::AppendEvent, event.sessionId, {}, {}, event});
}

QFuture<void> Database::appendEventCommitted(const Event &event) {
    auto promise = std::make_shared<QPromise<void>>();
    promise->start();
    QFuture<void> future = promise->future();
    if (!enqueueWrite({WriteOp::Kind::AppendEvent, event.sessionId, {}, {}, event}, promise)) {
        promise->setException(
            StorageError(u"the database write queue is full (%1 writes "
                         "waiting); the event was not stored"_s.arg(m_queueDepth)));
        promise->finish();
    }
    return future;
}

void Database::setSummary(const QUuid &id, const QString &summary) {
    enqueueWrite({WriteOp::Kind::SetSummary, id, summary.isNull() ? u""_s : summary, {}, {}});
}

void Database::recordSummaryFailure(const QUuid &id, const QString &error) {
    enqueueWrite({WriteOp::Kind::RecordSummaryFailure, id, error, {}, {}});
}

QFuture<bool> Database::deleteSession(const QUuid &id) {
    return enqueueJob<bool>([id](SessionStore &store) { return store.deleteSession(id); });
}

QFuture<bool> Database::renameSession(const QUuid &id, const QString &title) {
    return enqueueJob<bool>(
        [id, title](SessionStore &store) { return store.renameSession(id, title); });
}

QFuture<void> Database::flush() {
    return enqueueJob<void>([](SessionStore &) {}, true);
}

QFuture<std::optional<Session>> Database::session(const QUuid &id) {
    return enqueueJob<std::optional<Session>>(
        [id](SessionStore &store) { return store.session(id); });
}

QFuture<SessionPage> Database::sessions(const SessionQuery &query) {
    return enqueueJob<SessionPage>([query](SessionStore &store) { return store.sessions(query); });
}

QFuture<QHash<QUuid, SessionUsage>> Database::sessionUsage(const QList<QUuid> &ids) {
    return enqueueJob<QHash<QUuid, SessionUsage>>(
        [ids](SessionStore &store) { return store.usage().usage(ids); });
}

QFuture<SessionSearchPage> Database::searchSessions(const SessionSearchQuery &query) {
    return enqueueJob<SessionSearchPage>(
        [query](SessionStore &store) { return store.search().search(query); });
}

QFuture<QList<Event>> Database::events(const QUuid &sessionId, qint64 afterId, int limit) {
    return enqueueJob<QList<Event>>([sessionId, afterId, limit](SessionStore &store) {
        return store.events(sessionId, afterId, limit);
    });
}

QFuture<QList<Event>> Database::allEvents(const QUuid &sessionId) {
    return enqueueJob<QList<Event>>([sessionId](SessionStore &store) {
        constexpr int kPage = 1000;
        QList<Event> events;
        for (QList<Event> page = store.events(sessionId, 0, kPage); !page.isEmpty();
             page = store.events(sessionId, events.constLast().id, kPage)) {
            events += page;
            if (page.size() < kPage)
                break;
        }
        return events;
    });
}

QFuture<QList<Session>> Database::sessionsNeedingSummary(int maxAttempts) {
    return enqueueJob<QList<Session>>(
        [maxAttempts](SessionStore &store) { return store.sessionsNeedingSummary(maxAttempts); });
}

QFuture<QList<QUuid>> Database::endAbandonedSessions() {
    return enqueueJob<QList<QUuid>>(
        [](SessionStore &store) { return store.endAbandonedSessions(); });
}

QFuture<QList<Session>> Database::claimSummaries(int limit, int maxAttempts, int claimMs) {
    return enqueueJob<QList<Session>>([limit, maxAttempts, claimMs](SessionStore &store) {
        return store.claimSummaries(limit, maxAttempts, claimMs);
    });
}

QFuture<std::optional<int>> Database::claimSummary(const QUuid &id, int maxAttempts, int claimMs) {
    return enqueueJob<std::optional<int>>([id, maxAttempts, claimMs](SessionStore &store) {
        return store.claimSummary(id, maxAttempts, claimMs);
    });
}

QFuture<bool> Database::storeSummary(const QUuid &id, const QString &summary) {
    return enqueueJob<bool>([id, summary = summary.isNull() ? u""_s : summary](
                                SessionStore &store) { return store.storeSummary(id, summary); });
}

QFuture<SessionClaim> Database::claimSession(const QUuid &id, const QString &userId,
                                             const QDateTime &startTime) {
    return enqueueJob<SessionClaim>([id, userId, startTime](SessionStore &store) {
        return store.ownership().claim(id, userId, startTime);
    });
}

QFuture<bool> Database::sessionReleased(const QUuid &id, const QString &previousOwner,
                                        qint64 afterEventId) {
    // Two missed heartbeats and a second: a live instance renews every heartbeat.
    const qint64 silentForMs = 2 * qint64(m_lease.heartbeatMs) + 1000;
    return enqueueJob<bool>([id, previousOwner, afterEventId, silentForMs](SessionStore &store) {
        return store.ownership().isReleased(id, previousOwner, afterEventId, silentForMs);
    });
}

QFuture<QHash<QUuid, QString>> Database::sessionsOwnedElsewhere(const QList<QUuid> &ids) {
    return enqueueJob<QHash<QUuid, QString>>(
        [ids](SessionStore &store) { return store.ownership().ownedElsewhere(ids); });
}

int Database::queueDepth() const {
    const QMutexLocker locker(&m_admission);
    return m_queueDepth;
}

bool Database::isHealthy() const {
    return m_healthy;
}

int Database::recoveryGraceMs() const {
    return m_lease.expiryMs + DatabaseWorker::kMaxBackoffMs;
}

bool Database::holdsLease() const {
    return m_leaseRenewedSince.isValid() && m_leaseRenewedSince.elapsed() < m_lease.expiryMs;
}

qint64 Database::msSinceLeaseRenewal() const {
    return m_leaseRenewedSince.isValid() ? m_leaseRenewedSince.elapsed() : -1;
}

qint64 Database::msSinceConnectionRestored() const {
    return m_healthy && m_restoredSince.isValid() ? m_restoredSince.elapsed() : -1;
}

void Database::setMaxQueuedWrites(int max) {
    const QMutexLocker locker(&m_admission);
    m_maxQueuedWrites = std::max(1, max);
}

int Database::maxQueuedWrites() const {
    const QMutexLocker locker(&m_admission);
    return m_maxQueuedWrites;
}

qint64 Database::rejectedWrites() const {
    const QMutexLocker locker(&m_admission);
    return m_rejectedWrites;
}

void Database::onWritesDone(int count) {
    int depth = 0;
    {
        const QMutexLocker locker(&m_admission);
        depth = m_queueDepth = std::max(0, m_queueDepth - count);
        if (m_queueDepth < m_maxQueuedWrites / 2)
            m_nearFullWarned = false;
    }
    Q_EMIT queueDepthChanged(depth);
}

void Database::onHealthChanged(bool healthy, const QString &reason) {
    if (healthy && m_everHealthy)
        m_restoredSince.start();
    m_everHealthy = m_everHealthy || healthy;
    m_healthy = healthy;
    Q_EMIT healthChanged(healthy, reason);
}
