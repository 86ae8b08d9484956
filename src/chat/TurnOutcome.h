#pragma once

#include "llm/LlmUsage.h"

#include <QMetaType>
#include <QString>

// How a turn ended; what the `done` (and, on error, `error`) frames report.
struct TurnOutcome {
    QString finishReason; // stop, length, cancelled, error
    LlmUsage usage;       // summed over every LLM round of the turn
    qint64 ttftMs = -1;   // turn start to the first content delta; -1 when none came
    qint64 durationMs = 0;
    QString model;
    // When finishReason == "error":
    QString errorCode; // llm_unavailable, llm_rate_limited, llm_error
    QString errorMessage;
    bool retryable = false;
    qint64 retryAfterMs = -1; // when retryable and known: how long until a retry can succeed
};
Q_DECLARE_METATYPE(TurnOutcome)
