#pragma once

#include "core/MetricsRegistry.h"
#include "ui/TurnWindow.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

class MetricSeries;
struct TurnOutcome;

// Samples the server's figures once a second into a MetricSeries each, for the console's charts:
// turns and failed turns per minute and the time to first token (p50, p99) over the turns of the
// last minute (recordTurn, from the sessions' turns), tokens streamed per second, LLM requests
// in flight and waiting, and the database's write queue (the gauges and counters of /metrics,
// read from the MetricsRegistry). updated() is emitted only when a series changed, so nothing
// is redrawn while the server is idle.
class MetricsSampler : public QObject {
    Q_OBJECT
public:
    enum Metric {
        TurnsPerMinute,
        ErrorsPerMinute,
        TtftP50,
        TtftP99,
        TokensPerSecond,
        LlmInFlight,
        LlmWaiting,
        DatabaseQueue,
        MetricCount
    };
    Q_ENUM(Metric)

    static constexpr qint64 DefaultWindowMs = 10 * 60 * 1000;

    explicit MetricsSampler(QObject *parent = nullptr, qint64 windowMs = DefaultWindowMs);

    // The registry of the running server, or nullptr when none runs: sampling stops (the series
    // keep what they have). A new registry starts its counters from zero.
    void setSource(const MetricsRegistry *metrics);
    void setIntervalMs(int ms);
    int intervalMs() const { return m_timer.interval(); }
    bool isSampling() const { return m_timer.isActive(); }

    MetricSeries *series(Metric metric) const { return m_series.at(metric); }
    qint64 windowMs() const { return m_windowMs; }
    quint64 samples() const { return m_samples; } // samples taken
    quint64 updates() const { return m_updates; } // samples that changed a series
    qint64 lastUpdateMs() const { return m_lastUpdateMs; }

public Q_SLOTS:
    void recordTurn(const TurnOutcome &outcome);
    void sample();               // now
    void sampleAt(qint64 nowMs); // for tests

Q_SIGNALS:
    void updated(qint64 atMs);

private:
    qint64 m_windowMs;
    QList<MetricSeries *> m_series;
    QPointer<const MetricsRegistry> m_metrics; // the server's: it may go first
    QTimer m_timer;
    TurnWindow m_turns;
    double m_tokensBefore = -1; // the counter at the last sample; -1: no sample of this source
    qint64 m_tokensBeforeMs = 0;
    quint64 m_samples = 0;
    quint64 m_updates = 0;
    qint64 m_lastUpdateMs = -1;
};
