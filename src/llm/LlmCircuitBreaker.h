#pragma once

#include <QDeadlineTimer>
#include <QMutex>
#include <QObject>
#include <QString>
#include <optional>
#include <utility>

// The health of one LLM endpoint, shared by every request to it, so that overload is met with
// one back-off instead of a retry storm:
// - a shared pause: a Retry-After from the endpoint holds every request to it until then;
// - a circuit breaker: after `failureThreshold` failures in a row (refused or lost connections,
//   timeouts, 429, 5xx) it opens, and new requests fail at once for `openMs`; then one request
//   goes through as a probe (half-open): its success closes the breaker, its failure opens it
//   again for twice as long (up to `maxOpenMs`). Any HTTP answer other than 429 and 5xx counts
//   as a success: the endpoint is up. Shared by the streams of every network thread: safe to use
//   from any thread; its signals are emitted on the thread whose call changed the state.
class LlmCircuitBreaker : public QObject {
    Q_OBJECT

public:
    enum class State { Closed, Open, HalfOpen };
    Q_ENUM(State)

    struct Settings {
        int failureThreshold = 5; // 0: never open
        int openMs = 5000;
        int maxOpenMs = 60000;
    };

    // Whether a request may be sent now; when not, why and when to try again.
    struct Verdict {
        bool allowed = true;
        bool probe = false; // allowed as the half-open probe
        qint64 retryInMs = 0;
        QString reason; // ends without a full stop, e.g. "5 requests in a row failed (…)"
    };

    explicit LlmCircuitBreaker(const Settings &settings, QObject *parent = nullptr);

    void setSettings(const Settings &settings);
    // After openMs the first caller becomes the probe (half-open); others are refused until the
    // probe's outcome is known.
    Verdict admit();
    void recordSuccess();
    void recordFailure(const QString &reason);
    // The probe went away without an outcome (cancelled): let the next request probe.
    void abandonProbe();

    void pauseFor(qint64 ms);   // the endpoint asked every client to wait
    qint64 pausedForMs() const; // 0 when not paused

    State state() const;

Q_SIGNALS:
    void stateChanged(LlmCircuitBreaker::State state);
    // The breaker opened: requests waiting for this endpoint should give up with `reason`.
    void opened(const QString &reason, qint64 retryInMs);

private:
    // What a call changed, announced once the lock is let go.
    struct Changes {
        std::optional<State> state;
        std::optional<std::pair<QString, qint64>> opened;
    };
    void open(Changes &changes);
    QString failureSummary() const;
    void setState(State state, Changes &changes);
    void announce(const Changes &changes);

    mutable QMutex m_mutex;
    Settings m_settings;
    State m_state = State::Closed;
    int m_failures = 0;
    qint64 m_currentOpenMs = 0;
    QString m_lastFailure;
    QDeadlineTimer m_reopensAt;
    QDeadlineTimer m_pausedUntil;
    bool m_probeInFlight = false;
};
