#include "chat/SummaryScheduler.h"

#include "chat/Summarizer.h"
#include "core/FutureCallbacks.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "storage/Database.h"

#include <QTimer>

using namespace Qt::StringLiterals;

SummaryScheduler::SummaryScheduler(Database *database, Summarizer *summarizer, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_summarizer(summarizer)
    , m_pollTimer(new QTimer(this)) {
    connect(m_pollTimer, &QTimer::timeout, this, &SummaryScheduler::poll);
}

void SummaryScheduler::setSettings(const Settings &settings) {
    m_settings = settings;
}

QString SummaryScheduler::emptySessionSummary() {
    return u"No messages were exchanged in this session."_s;
}

void SummaryScheduler::start() {
    m_active = true;
    m_pollTimer->start(m_settings.pollIntervalMs);
    poll();
}

void SummaryScheduler::poll() {
    if (!m_active || m_polling || !m_database->isHealthy())
        return;
    m_polling = true;
    const qint64 restored = m_database->msSinceConnectionRestored();
    if (!m_database->isSingleProcess() && restored >= 0 && restored < m_settings.recoveryGraceMs) {
        claimPending();
        return;
    }
    whenFinished(
        this, m_database->endAbandonedSessions(),
        [this](const QList<QUuid> &ended) {
            if (!ended.isEmpty())
                qCInfo(lcChat) << "ended" << ended.size()
                               << "sessions left open by instances that are gone";
            claimPending();
        },
        [this](const QString &error) {
            m_polling = false;
            qCWarning(lcChat).noquote() << "cannot end abandoned sessions:" << error;
        });
}

void SummaryScheduler::claimPending() {
    const qsizetype free = m_settings.concurrency - m_running.size() - m_queue.size();
    if (!m_active || free <= 0) {
        m_polling = false;
        return;
    }
    whenFinished(
        this, m_database->claimSummaries(int(free), m_settings.maxAttempts, m_settings.claimMs),
        [this](const QList<Session> &sessions) {
            m_polling = false;
            if (!m_active)
                return;
            for (const Session &session : sessions) {
                // The cap holds across restarts and instances: count on from the stored attempts.
                if (session.summaryAttempts > m_attempts.value(session.id))
                    m_attempts.insert(session.id, session.summaryAttempts);
                schedule(session.id);
            }
            if (!sessions.isEmpty())
                qCInfo(lcChat) << "claimed" << sessions.size() << "sessions waiting for a summary";
        },
        [this](const QString &error) {
            m_polling = false;
            qCWarning(lcChat).noquote() << "cannot claim sessions needing a summary:" << error;
        });
}

void SummaryScheduler::stop() {
    m_active = false;
    m_pollTimer->stop();
    m_queue.clear();
    qDeleteAll(m_retryTimers);
    m_retryTimers.clear();
    m_cancelled.unite(m_running);
}

void SummaryScheduler::schedule(const QUuid &sessionId) {
    if (!m_active)
        return;
    m_cancelled.remove(sessionId);
    if (m_queue.contains(sessionId) || m_running.contains(sessionId) ||
        m_retryTimers.contains(sessionId))
        return;
    m_queue.append(sessionId);
    QMetaObject::invokeMethod(this, &SummaryScheduler::pump, Qt::QueuedConnection);
}

void SummaryScheduler::cancel(const QUuid &sessionId) {
    m_queue.removeAll(sessionId);
    delete m_retryTimers.take(sessionId);
    m_attempts.remove(sessionId);
    if (m_running.contains(sessionId))
        m_cancelled.insert(sessionId);
}

void SummaryScheduler::pump() {
    while (m_active && !m_queue.isEmpty() && m_running.size() < m_settings.concurrency)
        run(m_queue.takeFirst());
}

void SummaryScheduler::run(const QUuid &sessionId) {
    m_running.insert(sessionId);
    whenFinished(
        this, m_database->claimSummary(sessionId, m_settings.maxAttempts, m_settings.claimMs),
        [this, sessionId](const std::optional<int> &attempts) {
            if (!attempts) {
                // Summarized, reopened, or claimed by another live instance.
                qCDebug(lcChat).noquote()
                    << "session" << Ids::toText(sessionId) << "needs no summary from this instance";
                m_attempts.remove(sessionId);
                finish(sessionId);
                return;
            }
            if (*attempts > m_attempts.value(sessionId))
                m_attempts.insert(sessionId, *attempts);
            summarize(sessionId);
        },
        [this, sessionId](const QString &error) { fail(sessionId, error); });
}

void SummaryScheduler::summarize(const QUuid &sessionId) {
    const auto failed = [this, sessionId](const QString &error) { fail(sessionId, error); };
    whenFinished(
        this, m_database->allEvents(sessionId),
        [this, sessionId, failed](const QList<Event> &events) {
            if (m_cancelled.contains(sessionId)) {
                finish(sessionId);
                return;
            }
            whenFinished(
                this, m_summarizer->summarize(events),
                [this, sessionId](const QString &summary) { store(sessionId, summary); }, failed);
        },
        failed);
}

void SummaryScheduler::store(const QUuid &sessionId, const QString &summary) {
    if (m_cancelled.contains(sessionId)) {
        finish(sessionId);
        return;
    }
    const QString text = summary.isEmpty() ? emptySessionSummary() : summary;
    whenFinished(
        this, m_database->storeSummary(sessionId, text),
        [this, sessionId, text](bool stored) {
            m_attempts.remove(sessionId);
            if (stored) {
                qCInfo(lcChat).noquote() << "session" << Ids::toText(sessionId) << "summarized";
                Q_EMIT summaryStored(sessionId, text);
            } else {
                qCInfo(lcChat).noquote()
                    << "summary of session" << Ids::toText(sessionId)
                    << "not stored: it was reopened, or another instance summarized it";
            }
            finish(sessionId);
        },
        [this, sessionId](const QString &error) { fail(sessionId, error); });
}

void SummaryScheduler::finish(const QUuid &sessionId) {
    m_running.remove(sessionId);
    m_cancelled.remove(sessionId);
    pump();
}

void SummaryScheduler::fail(const QUuid &sessionId, const QString &error) {
    const bool cancelled = m_cancelled.contains(sessionId);
    finish(sessionId);
    if (cancelled || !m_active)
        return;
    m_database->recordSummaryFailure(sessionId, error);
    const int attempt = ++m_attempts[sessionId];
    const bool willRetry = attempt < m_settings.maxAttempts;
    qCWarning(lcChat).noquote() << "summary of session" << Ids::toText(sessionId)
                                << "failed (attempt" << attempt << "):" << error
                                << (willRetry ? "; will retry" : "; giving up");
    Q_EMIT summaryFailed(sessionId, error, willRetry);
    if (!willRetry) {
        m_attempts.remove(sessionId);
        return;
    }
    const qint64 delay = qMin<qint64>(qint64(m_settings.retryBaseDelayMs) << (attempt - 1),
                                      m_settings.retryMaxDelayMs);
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, [this, sessionId, timer] {
        m_retryTimers.remove(sessionId);
        timer->deleteLater();
        if (m_active) {
            m_queue.append(sessionId);
            pump();
        }
    });
    m_retryTimers.insert(sessionId, timer);
    timer->start(int(delay));
}
