#pragma once

#include "llm/LlmError.h"
#include "llm/LlmFailure.h"
#include "llm/LlmSettings.h"

#include <functional>

// Whether a failed attempt is tried again, and when: exponential backoff with jitter, or the
// server's Retry-After. The jitter comes from `random(bound)` (0 … bound), by default
// QRandomGenerator's.
class LlmRetryPolicy {
public:
    struct Decision {
        bool retry = false;
        qint64 delayMs = 0; // before the next attempt, when retry
        LlmError error;     // the error to report, when not retry
    };

    // `attempts`: sent so far; `sawContent`: some of the reply already reached the user, so
    // another attempt would repeat it.
    static Decision decide(const LlmFailure &failure, int attempts, bool sawContent,
                           const LlmSettings &settings,
                           const std::function<qint64(qint64 bound)> &random = uniform);

    static qint64 uniform(qint64 bound);

    static constexpr qint64 maxBackoffMs = 30000;
    // A server asking us to wait longer than this gets a clear error instead of a silent wait.
    static constexpr qint64 maxRetryAfterMs = 60000;
};
