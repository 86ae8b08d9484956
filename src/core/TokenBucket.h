#pragma once

#include <QtGlobal>

// A token bucket: holds up to `capacity` tokens and refills at capacity per `periodMs`, so it
// allows `capacity` uses per period, in bursts up to `capacity`. Times are a monotonic clock in
// milliseconds, given by the caller. Pure arithmetic; UsageLimits keeps one per user or address.
class TokenBucket {
public:
    TokenBucket(qint64 capacity, qint64 periodMs, qint64 nowMs);

    // Takes `amount` tokens when the bucket holds that many; false (nothing taken) otherwise.
    bool take(qint64 amount, qint64 nowMs);
    // Takes `amount` tokens whatever it holds: usage known only afterwards (the LLM tokens of a
    // reply) may leave it below zero, and it then refuses until it refilled.
    void charge(qint64 amount, qint64 nowMs);
    // Whether it holds at least `amount` tokens.
    bool holds(qint64 amount, qint64 nowMs);
    // How long until it holds `amount` tokens (0: now; capacity at most, so never for more).
    qint64 msUntil(qint64 amount, qint64 nowMs);
    // Full again: forgetting it changes nothing.
    bool isFull(qint64 nowMs);

private:
    void refill(qint64 nowMs);

    qint64 m_capacity;
    qint64 m_periodMs;
    qint64 m_units;
    qint64 m_updatedMs;
};
