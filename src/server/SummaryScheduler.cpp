#include "server/SummaryScheduler.h"

#include "chat/Summarizer.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "core/MetricsRegistry.h"
#include "server/ServerMetrics.h"
#include "storage/Database.h"
#include "storage/StorageError.h"

#include <QTimer>

namespace {

constexpr int kEventLimit = 100000;

QString exceptionText(const QException &error) {
    if (const auto *storage = dynamic_cast<const StorageError *>(&error))
        return storage->message();
    return QString::fromUtf8(error.what());
}

} // namespace

SummaryScheduler::SummaryScheduler(Database *database, Summarizer *summarizer,
                                   MetricsRegistry *metrics, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_summarizer(summarizer)
    , m_metrics(metrics) {}

void SummaryScheduler::setSettings(const Settings &settings) {
    m_settings = settings;
}

QString SummaryScheduler::emptySessionSummary() {
    return QStringLiteral("No messages were exchanged in this session.");
}

void SummaryScheduler::start() {
    m_active = true;
    m_database->endAbandonedSessions()
        .then(this,
              [this](const QList<QUuid> &ended) {
                  if (!ended.isEmpty())
                      qCInfo(lcServer)
                          << "ended" << ended.size() << "sessions left open by an earlier run";
                  m_database->sessionsNeedingSummary(m_settings.maxAttempts)
                      .then(this,
                            [this, endedCount = int(ended.size())](const QList<Session> &sessions) {
                                if (!m_active)
                                    return;
                                for (const Session &session : sessions)
                                    schedule(session.id);
                                if (!sessions.isEmpty())
                                    qCInfo(lcServer)
                                        << sessions.size() << "sessions are waiting for a summary";
                                Q_EMIT recovered(endedCount, int(sessions.size()));
                            })
                      .onFailed(this, [](const QException &error) {
                          qCWarning(lcServer).noquote()
                              << "cannot list sessions needing a summary:" << exceptionText(error);
                      });
              })
        .onFailed(this, [](const QException &error) {
            qCWarning(lcServer).noquote()
                << "cannot end abandoned sessions:" << exceptionText(error);
        });
}

void SummaryScheduler::stop() {
    m_active = false;
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

int SummaryScheduler::pendingCount() const {
    return int(m_queue.size() + m_running.size() + m_retryTimers.size());
}

void SummaryScheduler::pump() {
    while (m_active && !m_queue.isEmpty() && m_running.size() < m_settings.concurrency)
        run(m_queue.takeFirst());
}

void SummaryScheduler::run(const QUuid &sessionId) {
    m_running.insert(sessionId);
    m_database->events(sessionId, 0, kEventLimit)
        .then(this,
              [this, sessionId](const QList<Event> &events) {
                  if (m_cancelled.contains(sessionId)) {
                      finish(sessionId);
                      return;
                  }
                  m_summarizer->summarize(events)
                      .then(this,
                            [this, sessionId](const QString &summary) {
                                if (!m_cancelled.contains(sessionId)) {
                                    const bool empty = summary.isEmpty();
                                    const QString text = empty ? emptySessionSummary() : summary;
                                    m_database->setSummary(sessionId, text);
                                    m_database->appendEvent(
                                        Event::make(sessionId, EventType::Summary, text));
                                    m_metrics->increment(ServerMetrics::Summaries,
                                                         {{QStringLiteral("outcome"),
                                                           empty ? QStringLiteral("empty")
                                                                 : QStringLiteral("stored")}});
                                    qCInfo(lcServer).noquote()
                                        << "session" << Ids::toText(sessionId) << "summarized";
                                    m_attempts.remove(sessionId);
                                    Q_EMIT summaryStored(sessionId, text);
                                }
                                finish(sessionId);
                            })
                      .onFailed(this, [this, sessionId](const QException &error) {
                          fail(sessionId, exceptionText(error));
                      });
              })
        .onFailed(this, [this, sessionId](const QException &error) {
            fail(sessionId, exceptionText(error));
        });
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
    m_metrics->increment(ServerMetrics::Summaries,
                         {{QStringLiteral("outcome"), QStringLiteral("failed")}});
    const int attempt = ++m_attempts[sessionId];
    const bool willRetry = attempt < m_settings.maxAttempts;
    qCWarning(lcServer).noquote() << "summary of session" << Ids::toText(sessionId)
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
