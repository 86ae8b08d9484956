#include "core/TokenBucket.h"

#include <algorithm>

// Kept in units of token × millisecond, so refilling is exact integer arithmetic: a bucket of
// capacity C per period P gains C units every millisecond and holds at most C × P.

TokenBucket::TokenBucket(qint64 capacity, qint64 periodMs, qint64 nowMs)
    : m_capacity(std::max<qint64>(1, capacity))
    , m_periodMs(std::max<qint64>(1, periodMs))
    , m_units(m_capacity * m_periodMs)
    , m_updatedMs(nowMs) {}

bool TokenBucket::take(qint64 amount, qint64 nowMs) {
    if (!holds(amount, nowMs))
        return false;
    m_units -= amount * m_periodMs;
    return true;
}

void TokenBucket::charge(qint64 amount, qint64 nowMs) {
    refill(nowMs);
    m_units -= amount * m_periodMs;
}

bool TokenBucket::holds(qint64 amount, qint64 nowMs) {
    refill(nowMs);
    return m_units >= amount * m_periodMs;
}

qint64 TokenBucket::msUntil(qint64 amount, qint64 nowMs) {
    refill(nowMs);
    const qint64 missing = std::min(amount, m_capacity) * m_periodMs - m_units;
    return missing <= 0 ? 0 : (missing + m_capacity - 1) / m_capacity;
}

bool TokenBucket::isFull(qint64 nowMs) {
    refill(nowMs);
    return m_units >= m_capacity * m_periodMs;
}

void TokenBucket::refill(qint64 nowMs) {
    if (nowMs <= m_updatedMs)
        return;
    const qint64 full = m_capacity * m_periodMs;
    // Time past the moment it is full adds nothing; capping it first keeps the product small.
    const qint64 untilFull = (full - m_units + m_capacity - 1) / m_capacity;
    const qint64 elapsed = std::min(nowMs - m_updatedMs, untilFull);
    m_units = std::min(full, m_units + elapsed * m_capacity);
    m_updatedMs = nowMs;
}
