#pragma once

struct LlmUsage {
    int promptTokens = 0;
    int completionTokens = 0;

    bool operator==(const LlmUsage &) const = default;
};
