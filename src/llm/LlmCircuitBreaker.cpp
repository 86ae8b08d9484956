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
    const QMutexLocker locker(&m_mutex);
    m_settings = settings;
}

LlmCircuitBreaker::State LlmCircuitBreaker::state() const {
    const QMutexLocker locker(&m_mutex);
    return m_state;
}

LlmCircuitBreaker::Verdict LlmCircuitBreaker::admit() {
    Changes changes;
    Verdict verdict;
    {
        const QMutexLocker locker(&m_mutex);
        if (m_state == State::Open && m_reopensAt.hasExpired())
            setState(State::HalfOpen, changes);
        if (m_state == State::HalfOpen && !m_probeInFlight) {
            m_probeInFlight = true;
            verdict = {true, true, 0, {}};
        } else if (m_state != State::Closed) {
            verdict = {false, false, std::max<qint64>(m_reopensAt.remainingTime(), 1000),
                       failureSummary()};
        }
    }
    announce(changes);
    return verdict;
}

void LlmCircuitBreaker::recordSuccess() {
    Changes changes;
    {
        const QMutexLocker locker(&m_mutex);
        m_failures = 0;
        m_currentOpenMs = 0;
        m_probeInFlight = false;
        if (m_state != State::Closed) {
            qCInfo(lcLlm) << "the LLM endpoint answers again: circuit closed";
            setState(State::Closed, changes);
        }
    }
    announce(changes);
}

void LlmCircuitBreaker::recordFailure(const QString &reason) {
    Changes changes;
    {
        const QMutexLocker locker(&m_mutex);
        ++m_failures;
        m_lastFailure = reason;
        if (m_state == State::HalfOpen) {
            m_probeInFlight = false;
            open(changes);
        } else if (m_state == State::Closed && m_settings.failureThreshold > 0 &&
                   m_failures >= m_settings.failureThreshold) {
            open(changes);
        }
    }
    announce(changes);
}

void LlmCircuitBreaker::abandonProbe() {
    const QMutexLocker locker(&m_mutex);
    m_probeInFlight = false;
}

void LlmCircuitBreaker::pauseFor(qint64 ms) {
    const QMutexLocker locker(&m_mutex);
    if (ms > m_pausedUntil.remainingTime())
        m_pausedUntil.setRemainingTime(ms);
}

qint64 LlmCircuitBreaker::pausedForMs() const {
    const QMutexLocker locker(&m_mutex);
    return m_pausedUntil.remainingTime();
}

void LlmCircuitBreaker::open(Changes &changes) {
    m_currentOpenMs = m_currentOpenMs == 0
                          ? m_settings.openMs
                          : std::min<qint64>(2 * m_currentOpenMs, m_settings.maxOpenMs);
    m_reopensAt.setRemainingTime(m_currentOpenMs);
    const QString reason = failureSummary();
    qCWarning(lcLlm).noquote() << "circuit opened for" << m_currentOpenMs << "ms:" << reason;
    setState(State::Open, changes);
    changes.opened = std::pair{reason, m_currentOpenMs};
}

QString LlmCircuitBreaker::failureSummary() const {
    return u"%1 requests in a row failed (last: %2)"_s.arg(m_failures).arg(m_lastFailure);
}

void LlmCircuitBreaker::setState(State state, Changes &changes) {
    if (m_state == state)
        return;
    m_state = state;
    changes.state = state;
}

void LlmCircuitBreaker::announce(const Changes &changes) {
    if (changes.state)
        Q_EMIT stateChanged(*changes.state);
    if (changes.opened)
        Q_EMIT opened(changes.opened->first, changes.opened->second);
}
