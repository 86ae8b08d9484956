#pragma once

#include <QHash>
#include <QMetaType>
#include <QString>
#include <optional>

// What a session's replies used and took, summed over its assistant messages: the tokens per
// model (for the cost), the time to first token, and the tool calls it made.
struct SessionUsage {
    struct Tokens {
        qint64 prompt = 0;
        qint64 completion = 0;
        bool operator==(const Tokens &) const = default;
    };

    QHash<QString, Tokens> byModel; // the model each reply named; "" when it named none
    qint64 replies = 0;
    qint64 ttftTotalMs = 0; // over the replies that had a first token
    qint64 ttftCount = 0;
    qint64 toolCalls = 0;

    void addReply(const QString &model, qint64 prompt, qint64 completion, qint64 ttftMs) {
        Tokens &tokens = byModel[model];
        tokens.prompt += prompt;
        tokens.completion += completion;
        ++replies;
        if (ttftMs >= 0) {
            ttftTotalMs += ttftMs;
            ++ttftCount;
        }
    }
    SessionUsage &operator+=(const SessionUsage &other) {
        for (auto it = other.byModel.constBegin(); it != other.byModel.constEnd(); ++it) {
            Tokens &tokens = byModel[it.key()];
            tokens.prompt += it->prompt;
            tokens.completion += it->completion;
        }
        replies += other.replies;
        ttftTotalMs += other.ttftTotalMs;
        ttftCount += other.ttftCount;
        toolCalls += other.toolCalls;
        return *this;
    }
    qint64 promptTokens() const {
        qint64 sum = 0;
        for (const Tokens &tokens : byModel)
            sum += tokens.prompt;
        return sum;
    }
    qint64 completionTokens() const {
        qint64 sum = 0;
        for (const Tokens &tokens : byModel)
            sum += tokens.completion;
        return sum;
    }
    std::optional<qint64> meanTtftMs() const {
        if (ttftCount == 0)
            return std::nullopt;
        return ttftTotalMs / ttftCount;
    }
    bool operator==(const SessionUsage &) const = default;
};
Q_DECLARE_METATYPE(SessionUsage)
