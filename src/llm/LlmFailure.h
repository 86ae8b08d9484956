#pragma once

#include "llm/LlmError.h"

// Why one attempt of an LLM request failed, and whether another attempt may fix it.
struct LlmFailure {
    LlmError error;
    bool retryable = false;   // another attempt may succeed (before any content reached the user)
    qint64 retryAfterMs = -1; // the server's Retry-After, if any
};
