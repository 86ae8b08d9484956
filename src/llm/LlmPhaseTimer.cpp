#include "llm/LlmPhaseTimer.h"

#include <QTimer>

LlmPhaseTimer::LlmPhaseTimer(const LlmSettings &settings, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_timer(new QTimer(this)) {
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &LlmPhaseTimer::onTimeout);
}

int LlmPhaseTimer::timeoutMs(Phase phase) const {
    switch (phase) {
    case Phase::Idle:
        return 0;
    case Phase::Queued:
        return m_settings.queueTimeoutMs;
    case Phase::Connecting:
        return m_settings.connectTimeoutMs;
    case Phase::WaitingFirstDelta:
        return m_settings.firstTokenTimeoutMs;
    case Phase::Streaming:
        return m_settings.idleTimeoutMs;
    }
    return 0;
}

void LlmPhaseTimer::setPhase(Phase phase) {
    m_phase = phase;
    m_lastActivity.start();
    const int ms = timeoutMs(phase);
    if (ms > 0)
        m_timer->start(ms);
    else
        m_timer->stop();
}

void LlmPhaseTimer::noteActivity() {
    if (m_phase == Phase::Streaming)
        m_lastActivity.start(); // onTimeout() re-arms the timer from here
}

void LlmPhaseTimer::stop() {
    m_timer->stop();
}

void LlmPhaseTimer::onTimeout() {
    if (m_phase == Phase::Streaming) {
        const qint64 idleLeftMs = m_settings.idleTimeoutMs - m_lastActivity.elapsed();
        if (idleLeftMs > 0) {
            m_timer->start(int(idleLeftMs));
            return;
        }
    }
    Q_EMIT expired(m_phase);
}
