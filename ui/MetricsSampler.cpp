#include "ui/MetricsSampler.h"

#include "chat/TurnOutcome.h"
#include "core/MetricsRegistry.h"
#include "ui/MetricSeries.h"

#include <QDateTime>
#include <cmath>

using namespace Qt::StringLiterals;

namespace {
// The names of /metrics (PROTOCOL.md), which the console reads like any scraper would.
const QString TokensStreamed = u"rtai_tokens_streamed_total"_s;
const QString LlmInFlightGauge = u"rtai_llm_requests_in_flight"_s;
const QString LlmWaitingGauge = u"rtai_llm_requests_waiting"_s;
const QString DatabaseQueueGauge = u"rtai_database_queue_depth"_s;
} // namespace

MetricsSampler::MetricsSampler(QObject *parent, qint64 windowMs)
    : QObject(parent)
    , m_windowMs(windowMs) {
    const QStringList names{u"turns/min"_s,   u"errors/min"_s,    u"TTFT p50"_s,
                            u"TTFT p99"_s,    u"tokens/s"_s,      u"LLM in flight"_s,
                            u"LLM waiting"_s, u"DB write queue"_s};
    for (const QString &name : names)
        m_series << new MetricSeries(name, windowMs, this);
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &MetricsSampler::sample);
}

void MetricsSampler::setSource(const MetricsRegistry *metrics) {
    if (metrics == m_metrics)
        return;
    m_metrics = metrics;
    m_tokensBefore = -1;
    if (metrics)
        m_timer.start();
    else
        m_timer.stop();
}

void MetricsSampler::setIntervalMs(int ms) {
    m_timer.setInterval(ms);
}

void MetricsSampler::recordTurn(const TurnOutcome &outcome) {
    m_turns.add(QDateTime::currentMSecsSinceEpoch(), outcome.ttftMs,
                outcome.finishReason == u"error");
}

void MetricsSampler::sample() {
    sampleAt(QDateTime::currentMSecsSinceEpoch());
}

void MetricsSampler::sampleAt(qint64 nowMs) {
    ++m_samples;
    m_turns.prune(nowMs);
    double tokensPerSecond = 0;
    double inFlight = 0;
    double waiting = 0;
    double queue = 0;
    if (m_metrics) {
        const double tokens = m_metrics->value(TokensStreamed);
        if (m_tokensBefore >= 0 && nowMs > m_tokensBeforeMs)
            tokensPerSecond =
                std::max(0.0, tokens - m_tokensBefore) * 1000.0 / double(nowMs - m_tokensBeforeMs);
        m_tokensBefore = tokens;
        m_tokensBeforeMs = nowMs;
        inFlight = m_metrics->value(LlmInFlightGauge);
        waiting = m_metrics->value(LlmWaitingGauge);
        queue = m_metrics->value(DatabaseQueueGauge);
    }
    const double values[MetricCount] = {
        double(m_turns.count()),
        double(m_turns.failures()),
        double(m_turns.ttftQuantile(0.5).value_or(0)),
        double(m_turns.ttftQuantile(0.99).value_or(0)),
        // Whole tokens: a rate that wobbles by a fraction would redraw every second.
        std::round(tokensPerSecond),
        inFlight,
        waiting,
        queue,
    };
    bool changed = false;
    for (int metric = 0; metric < MetricCount; ++metric)
        changed = m_series.at(metric)->sample(nowMs, values[metric]) || changed;
    if (!changed)
        return;
    ++m_updates;
    m_lastUpdateMs = nowMs;
    Q_EMIT updated(nowMs);
}
