// Over 400 lines: the queue, its batches, the reconnects and the lease are one state machine
// around one connection.
#include "storage/DatabaseWorker.h"

#include "core/Logging.h"
#include "storage/InstanceStore.h"
#include "storage/MigrationRunner.h"
#include "storage/OwnerChangeListener.h"
#include "storage/PostgresDialect.h"
#include "storage/SessionStore.h"
#include "storage/SqlFailure.h"
#include "storage/SqliteDialect.h"
#include "storage/StorageError.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QThread>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {
constexpr int kInitialBackoffMs = 250;
constexpr qint64 kStepBudgetMs = 50;

QString kindName(WriteOp::Kind kind) {
    switch (kind) {
    case WriteOp::Kind::CreateSession:
        return u"create session"_s;
    case WriteOp::Kind::EndSession:
        return u"end session"_s;
    case WriteOp::Kind::AppendEvent:
        return u"append event"_s;
    case WriteOp::Kind::SetSummary:
        return u"set summary"_s;
    case WriteOp::Kind::RecordSummaryFailure:
        return u"record summary failure"_s;
    }
    return {};
}
} // namespace

DatabaseWorker::DatabaseWorker(QObject *parent)
    : QObject(parent)
    , m_connectionName(u"rtai-storage-%1"_s.arg(reinterpret_cast<quintptr>(this), 0, 16))
    , m_reconnectTimer(new QTimer(this))
    , m_heartbeatTimer(new QTimer(this))
    , m_listener(new OwnerChangeListener(this))
    , m_backoffMs(kInitialBackoffMs) {
    QObject::connect(m_listener, &OwnerChangeListener::ownerChanged, this,
                     &DatabaseWorker::sessionOwnerChanged);
    m_reconnectTimer->setSingleShot(true);
    QObject::connect(m_reconnectTimer, &QTimer::timeout, this, &DatabaseWorker::reconnect);
    QObject::connect(m_heartbeatTimer, &QTimer::timeout, this, &DatabaseWorker::renewLease);
}

DatabaseWorker::~DatabaseWorker() {
    m_db = QSqlDatabase();
    if (QSqlDatabase::contains(m_connectionName))
        QSqlDatabase::removeDatabase(m_connectionName);
}

void DatabaseWorker::enqueue(DatabaseTask task) {
    QMutexLocker locker(&m_mutex);
    m_queue.push_back(std::move(task));
    if (!m_scheduled) {
        m_scheduled = true;
        QMetaObject::invokeMethod(this, &DatabaseWorker::process, Qt::QueuedConnection);
    }
}

void DatabaseWorker::schedule() {
    QMutexLocker locker(&m_mutex);
    if (!m_scheduled) {
        m_scheduled = true;
        QMetaObject::invokeMethod(this, &DatabaseWorker::process, Qt::QueuedConnection);
    }
}

void DatabaseWorker::process() {
    {
        QMutexLocker locker(&m_mutex);
        m_scheduled = false;
    }
    if (m_state != State::Connected) {
        failWaitingJobs(m_state == State::Closed
                            ? u"the database is not open"_s
                            : u"the database is unavailable: "_s + m_lastReason,
                        false);
        return;
    }
    QElapsedTimer budget;
    budget.start();
    while (step()) {
        // Yield now and then so timers and shutdown requests are not starved.
        if (budget.elapsed() > kStepBudgetMs) {
            schedule();
            return;
        }
    }
}

bool DatabaseWorker::step() {
    if (m_state != State::Connected)
        return false;
    QList<WriteOp> batch;
    DatabaseTask job;
    {
        QMutexLocker locker(&m_mutex);
        if (m_queue.empty())
            return false;
        if (m_queue.front().write) {
            // Writes stay queued until committed, so a lost connection loses none of them.
            for (const DatabaseTask &task : m_queue) {
                if (!task.write || batch.size() >= kBatchSize)
                    break;
                batch << *task.write;
            }
        } else {
            job = std::move(m_queue.front());
            m_queue.pop_front();
        }
    }
    if (batch.isEmpty()) {
        runJob(job);
        return m_state == State::Connected;
    }
    QHash<int, QString> rejected;
    const int done = commitWrites(batch, &rejected);
    if (done > 0) {
        QList<std::shared_ptr<QPromise<void>>> committed(done);
        {
            QMutexLocker locker(&m_mutex);
            for (int i = 0; i < done; ++i)
                committed[i] = std::move(m_queue[size_t(i)].committed);
            m_queue.erase(m_queue.begin(), m_queue.begin() + done);
        }
        for (int i = 0; i < done; ++i) {
            if (!committed.at(i))
                continue;
            if (const auto error = rejected.constFind(i); error != rejected.cend())
                committed.at(i)->setException(
                    StorageError(u"the database rejected the write: "_s + *error));
            committed.at(i)->finish();
        }
        Q_EMIT writesDone(done);
    }
    return m_state == State::Connected;
}

int DatabaseWorker::commitWrites(const QList<WriteOp> &ops, QHash<int, QString> *rejected) {
    SessionStore store(m_db, *m_dialect, m_lease.instanceId);
    try {
        if (!m_db.transaction())
            throw SqlFailure{m_db.lastError(), u"begin transaction"_s};
        store.applyAll(ops);
        if (!m_db.commit())
            throw SqlFailure{m_db.lastError(), u"commit"_s};
        return int(ops.size());
    } catch (const SqlFailure &failure) {
        m_db.rollback();
        if (!m_dialect->isDataError(failure.error)) {
            connectionLost(failure.message());
            return 0;
        }
    }
    // Some write in the batch is invalid: commit the others one by one and discard only it.
    int done = 0;
    for (const WriteOp &op : ops) {
        QSqlError error;
        if (!commitOne(op, &error)) {
            if (!m_dialect->isDataError(error)) {
                connectionLost(error.text());
                return done;
            }
            qCWarning(lcStorage).noquote()
                << u"discarding a write the database rejects (%1, session %2): %3"_s.arg(
                       kindName(op.kind), op.sessionId.toString(QUuid::WithoutBraces),
                       error.text());
            rejected->insert(done, error.text());
        }
        ++done;
    }
    return done;
}

bool DatabaseWorker::commitOne(const WriteOp &op, QSqlError *error) {
    SessionStore store(m_db, *m_dialect, m_lease.instanceId);
    try {
        if (!m_db.transaction())
            throw SqlFailure{m_db.lastError(), u"begin transaction"_s};
        store.apply(op);
        if (!m_db.commit())
            throw SqlFailure{m_db.lastError(), u"commit"_s};
        return true;
    } catch (const SqlFailure &failure) {
        m_db.rollback();
        *error = failure.error;
        return false;
    }
}

void DatabaseWorker::runJob(DatabaseTask &job) {
    SessionStore store(m_db, *m_dialect, m_lease.instanceId);
    try {
        job.run(store);
    } catch (const SqlFailure &failure) {
        job.fail(failure.message());
        if (m_dialect->isDataError(failure.error))
            return;
        // Tell a broken connection from a failed statement.
        QSqlQuery probe(m_db);
        if (!probe.exec(u"SELECT 1"_s))
            connectionLost(failure.message());
    }
}

bool DatabaseWorker::connect(QString *error) {
    if (!m_db.open()) {
        *error = m_db.lastError().text().trimmed();
        return false;
    }
    if (!m_dialect->prepareConnection(m_db, error)) {
        m_db.close();
        return false;
    }
    QString listenError;
    if (m_lease.listens && !m_dialect->isSingleProcess() && !m_listener->listen(m_db, &listenError))
        qCWarning(lcStorage).noquote()
            << u"cannot LISTEN for takeovers of this instance's sessions (%1); the heartbeat's "
               "owner check still notices them"_s.arg(listenError);
    return true;
}

void DatabaseWorker::open(const DatabaseUrl &url, const InstanceLease &lease,
                          const std::shared_ptr<QPromise<void>> &promise) {
    const auto fail = [&](const QString &message) {
        qCWarning(lcStorage).noquote() << message;
        promise->setException(StorageError(message));
        promise->finish();
    };
    if (m_state != State::Closed)
        return fail(u"the database is already open"_s);
    m_url = url;
    m_lease = lease;
    if (url.backend() == DatabaseUrl::Backend::Sqlite)
        m_dialect = std::make_unique<SqliteDialect>();
    else
        m_dialect = std::make_unique<PostgresDialect>();
    QString error;
    if (!m_dialect->lockForThisProcess(url, &error))
        return fail(u"cannot open %1: %2"_s.arg(url.redacted(), error));
    if (!QSqlDatabase::contains(m_connectionName))
        m_db = QSqlDatabase::addDatabase(m_dialect->driverName(), m_connectionName);
    if (!m_db.isValid())
        return fail(u"the Qt SQL driver %1 is not available (install the Qt 6 %2 driver "
                    "package)"_s.arg(m_dialect->driverName(), url.backendName()));
    m_dialect->configure(m_db, url);

    if (!connect(&error))
        return fail(u"cannot connect to %1: %2"_s.arg(url.redacted(), error));
    MigrationRunner migrations(m_db, *m_dialect);
    if (!migrations.run(&error)) {
        m_db.close();
        return fail(u"cannot migrate %1: %2"_s.arg(url.redacted(), error));
    }
    int owned = 0;
    try {
        InstanceStore instances(m_db, *m_dialect);
        instances.registerInstance(m_lease);
        owned = instances.ownedSessions(m_lease.instanceId);
    } catch (const SqlFailure &failure) {
        m_db.close();
        return fail(
            u"cannot register this instance in %1: %2"_s.arg(url.redacted(), failure.message()));
    }
    m_heartbeatTimer->start(m_lease.heartbeatMs);
    qCInfo(lcStorage).noquote() << "database open:" << url.redacted() << "as instance"
                                << m_lease.instanceId;
    m_state = State::Connected;
    setHealth(true, {});
    Q_EMIT leaseRenewed(owned);
    promise->finish();
    schedule();
}

void DatabaseWorker::connectionLost(const QString &reason) {
    m_state = State::Reconnecting;
    m_db.close();
    qsizetype queued = 0;
    {
        QMutexLocker locker(&m_mutex);
        queued = qsizetype(m_queue.size());
    }
    if (m_healthy)
        qCWarning(lcStorage).noquote()
            << u"database unavailable (%1); %2 queued operations are kept, reconnecting"_s
                   .arg(reason)
                   .arg(queued);
    setHealth(false, reason);
    failWaitingJobs(u"the database is unavailable: "_s + reason, false);
    m_reconnectTimer->start(m_backoffMs);
}

void DatabaseWorker::reconnect() {
    QString error;
    if (connect(&error)) {
        qCInfo(lcStorage).noquote() << "database connection restored:" << m_url.redacted();
        m_backoffMs = kInitialBackoffMs;
        m_state = State::Connected;
        renewLease();
        if (m_state != State::Connected)
            return;
        setHealth(true, {});
        schedule();
        return;
    }
    m_backoffMs = std::min(m_backoffMs * 2, kMaxBackoffMs);
    if (m_backoffMs == kMaxBackoffMs)
        qCWarning(lcStorage).noquote()
            << u"database still unavailable (%1); retrying every %2 s"_s.arg(error).arg(
                   kMaxBackoffMs / 1000);
    setHealth(false, error);
    m_reconnectTimer->start(m_backoffMs);
}

void DatabaseWorker::failWaitingJobs(const QString &message, bool includingFlushes) {
    std::vector<DatabaseTask> failed;
    {
        QMutexLocker locker(&m_mutex);
        for (auto it = m_queue.begin(); it != m_queue.end();) {
            if (!it->write && (includingFlushes || !it->waitsForConnection)) {
                failed.push_back(std::move(*it));
                it = m_queue.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (DatabaseTask &task : failed)
        task.fail(message);
}

void DatabaseWorker::renewLease() {
    if (m_state != State::Connected)
        return; // reconnect() renews it
    try {
        InstanceStore instances(m_db, *m_dialect);
        switch (instances.renew(m_lease)) {
        case InstanceStore::Renewal::Renewed:
            break;
        case InstanceStore::Renewal::WasExpired:
            qCWarning(lcStorage).noquote()
                << u"the lease of instance %1 had expired before this heartbeat (no renewal "
                   "for over %2 ms): other instances may have ended its live sessions"_s
                       .arg(m_lease.instanceId)
                       .arg(m_lease.expiryMs);
            break;
        case InstanceStore::Renewal::WasMissing:
            qCWarning(lcStorage).noquote() << "the lease row of instance" << m_lease.instanceId
                                           << "was gone; registered it again";
            break;
        }
        Q_EMIT leaseRenewed(instances.ownedSessions(m_lease.instanceId));
    } catch (const SqlFailure &failure) {
        if (!m_dialect->isDataError(failure.error))
            connectionLost(failure.message());
        else
            qCWarning(lcStorage).noquote() << "cannot renew the lease:" << failure.message();
    }
}

void DatabaseWorker::setHealth(bool healthy, const QString &reason) {
    m_lastReason = reason;
    if (healthy == m_healthy)
        return;
    m_healthy = healthy;
    Q_EMIT healthChanged(healthy, reason);
}

void DatabaseWorker::shutdown(int graceMs) {
    m_reconnectTimer->stop();
    const QDeadlineTimer deadline(graceMs);
    while (!deadline.hasExpired()) {
        if (m_state == State::Connected) {
            if (!step()) {
                QMutexLocker locker(&m_mutex);
                if (m_queue.empty())
                    break;
            }
            continue;
        }
        if (m_state == State::Closed)
            break;
        QString error;
        if (connect(&error))
            m_state = State::Connected;
        else
            QThread::msleep(std::min<qint64>(kInitialBackoffMs, deadline.remainingTime()));
    }
    m_heartbeatTimer->stop();
    if (m_state == State::Connected) {
        try {
            InstanceStore(m_db, *m_dialect).release(m_lease.instanceId);
        } catch (const SqlFailure &failure) {
            qCWarning(lcStorage).noquote()
                << "cannot release the lease (it expires by itself):" << failure.message();
        }
    }
    failWaitingJobs(u"the database was closed"_s, true);
    qsizetype lost = 0;
    {
        QMutexLocker locker(&m_mutex);
        lost = qsizetype(m_queue.size());
        m_queue.clear();
    }
    if (lost > 0)
        qCCritical(lcStorage).noquote()
            << u"%1 writes could not be committed before shutdown (database unavailable)"_s.arg(
                   lost);
    if (m_db.isOpen())
        m_db.close();
    m_state = State::Closed;
    deleteLater();
    thread()->quit();
}
