#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QUuid>

class Database;
class QTimer;
class Summarizer;

// Durable session summaries, made once however many instances share the database. The job state
// lives in the database (ended sessions without a summary). At start() and every
// pollIntervalMs it ends the sessions of instances that are gone (Database::endAbandonedSessions;
// a crash, SIGKILL, a lost machine) and claims pending summaries up to its free slots; a
// session ended here is claimed by id. Each summary is made under a claim (claimMs, or until
// this instance's lease expires) and stored only while the claim holds, so each ended session
// gets one summary event. A failed summary is recorded (recordSummaryFailure) and retried with
// exponential backoff, at most maxAttempts times, counted in the database across instances.
// A session with no messages is given a fixed summary without asking the LLM.
class SummaryScheduler : public QObject {
    Q_OBJECT

public:
    struct Settings {
        int maxAttempts = 5;         // per session, counted in the database too
        int retryBaseDelayMs = 2000; // delay before retry n: base * 2^(n-1)
        int retryMaxDelayMs = 300000;
        int concurrency = 32; // summaries running at once (the LLM queue lets live turns first)
        int pollIntervalMs = 5000; // recovery and claiming (the lease heartbeat)
        int claimMs = 600000;      // a claim not finished by then may be taken by another instance
        // After the database connection came back, others' sessions are recovered only once
        // this has passed (Database::recoveryGraceMs): live instances must first renew their
        // leases.
        int recoveryGraceMs = 30000;
    };

    SummaryScheduler(Database *database, Summarizer *summarizer, QObject *parent = nullptr);

    void setSettings(const Settings &settings);
    // Ends abandoned sessions, then claims and schedules pending summaries; again every
    // pollIntervalMs.
    void start();
    // Stops scheduling; summaries in flight are not stored (they run again at the next start).
    void stop();

    // Summarizes this (ended) session soon.
    void schedule(const QUuid &sessionId);
    // The session was reopened: drop its job, and ignore a summary still in flight for it.
    void cancel(const QUuid &sessionId);

    // The summary stored for a session in which nothing was said.
    static QString emptySessionSummary();

Q_SIGNALS:
    void summaryStored(const QUuid &sessionId, const QString &summary);
    void summaryFailed(const QUuid &sessionId, const QString &error, bool willRetry);

private:
    void poll();
    void claimPending();
    void pump();
    void run(const QUuid &sessionId);
    void summarize(const QUuid &sessionId);
    void store(const QUuid &sessionId, const QString &summary);
    void finish(const QUuid &sessionId);
    void fail(const QUuid &sessionId, const QString &error);

    Database *m_database;
    Summarizer *m_summarizer;
    Settings m_settings;
    QList<QUuid> m_queue;
    QSet<QUuid> m_running;
    QSet<QUuid> m_cancelled;
    QHash<QUuid, int> m_attempts;
    QHash<QUuid, QTimer *> m_retryTimers;
    QTimer *m_pollTimer;
    bool m_active = false;
    bool m_polling = false;
};
