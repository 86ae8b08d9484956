#pragma once

#include <QString>

// How a Conversation behaves; one set per session, usually derived from Config.
struct ChatSettings {
    QString systemPrompt;
    // LLM rounds that may run tools within one turn; a model asking for more ends the turn.
    int maxToolSteps = 5;
    // User messages waiting behind the running turn; one more is refused with Busy.
    int maxQueuedMessages = 8;
    // The model's context window in tokens (prompt + reply); see ContextWindow.
    int contextTokens = 16000;
    // The longest reply of one LLM round in tokens (max_tokens); 0: the provider's own limit.
    int maxReplyTokens = 0;
};
