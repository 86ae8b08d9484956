#include "llm/LlmCircuitBreaker.h"

#include "core/Logging.h"

#include <algorithm>

using namespace Qt::StringLiterals;

LlmCircuitBreaker::LlmCircuitBreaker(const Settings &settings, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_reopensAt(0)
    , m_pausedUntil(0) {}

void LlmCircuitBreaker::setSettings(const Settings &settings) {
    m_settings = settings;
}

LlmCircuitBreaker::Verdict LlmCircuitBreaker::admit() {
    if (m_state == State::Closed)
        return {};
    if (m_state == State::Open && m_reopensAt.hasExpired())
        setState(State::HalfOpen);
    if (m_state == State::HalfOpen && !m_probeInFlight) {
        m_probeInFlight = true;
        return {true, true, 0, {}};
    }
    return {false, false, std::max<qint64>(m_reopensAt.remainingTime(), 1000), failureSummary()};
}

void LlmCircuitBreaker::recordSuccess() {
    m_failures = 0;
    m_currentOpenMs = 0;
    m_probeInFlight = false;
    if (m_state != State::Closed) {
        qCInfo(lcLlm) << "the LLM endpoint answers again: circuit closed";
        setState(State::Closed);
    }
}

void LlmCircuitBreaker::recordFailure(const QString &reason) {
    ++m_failures;
    m_lastFailure = reason;
    if (m_state == State::HalfOpen) {
        m_probeInFlight = false;
        open();
    } else if (m_state == State::Closed && m_settings.failureThreshold > 0 &&
               m_failures >= m_settings.failureThreshold) {
        open();
    }
}

void LlmCircuitBreaker::abandonProbe() {
    m_probeInFlight = false;
}

void LlmCircuitBreaker::pauseFor(qint64 ms) {
    if (ms > m_pausedUntil.remainingTime())
        m_pausedUntil.setRemainingTime(ms);
}

qint64 LlmCircuitBreaker::pausedForMs() const {
    return m_pausedUntil.remainingTime();
}

void LlmCircuitBreaker::open() {
    m_currentOpenMs = m_currentOpenMs == 0
                          ? m_settings.openMs
                          : std::min<qint64>(2 * m_currentOpenMs, m_settings.maxOpenMs);
    m_reopensAt.setRemainingTime(m_currentOpenMs);
    const QString reason = failureSummary();
    qCWarning(lcLlm).noquote() << "circuit opened for" << m_currentOpenMs << "ms:" << reason;
    setState(State::Open);
    Q_EMIT opened(reason, m_currentOpenMs);
}

QString LlmCircuitBreaker::failureSummary() const {
    return u"%1 requests in a row failed (last: %2)"_s.arg(m_failures).arg(m_lastFailure);
}

void LlmCircuitBreaker::setState(State state) {
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}
