#include "llm/LlmRetryPolicy.h"

#include "llm/LlmFailures.h"

#include <QRandomGenerator>
#include <algorithm>

using namespace Qt::StringLiterals;

LlmRetryPolicy::Decision LlmRetryPolicy::decide(const LlmFailure &failure, int attempts,
                                                bool sawContent, const LlmSettings &settings,
                                                const std::function<qint64(qint64)> &random) {
    Decision decision;
    decision.error = failure.error;
    if (!failure.retryable || sawContent || attempts > settings.maxRetries) {
        if (attempts > 1)
            decision.error.message += u" (after %1 attempts)"_s.arg(attempts);
        return decision;
    }
    qint64 delay = failure.retryAfterMs;
    if (delay < 0) {
        const qint64 base = std::min<qint64>(maxBackoffMs, qint64(settings.retryBaseDelayMs)
                                                               << std::min(attempts - 1, 16));
        delay = base / 2 + random(base / 2);
    }
    if (delay > maxRetryAfterMs) {
        decision.error.message +=
            u" (the server asked to wait %1)"_s.arg(LlmFailures::seconds(delay));
        return decision;
    }
    decision.retry = true;
    decision.delayMs = delay;
    return decision;
}

qint64 LlmRetryPolicy::uniform(qint64 bound) {
    return QRandomGenerator::global()->bounded(bound + 1);
}
