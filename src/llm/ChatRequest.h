#pragma once

#include "core/ChatMessage.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

// One Chat Completions request, independent of the server it goes to.
struct ChatRequest {
    QList<ChatMessage> messages;
    QJsonArray tools;   // the OpenAI "tools" array
    QString toolChoice; // empty = auto; "none", "required" or a function name (forced)
    std::optional<int> maxTokens;
    std::optional<double> temperature;

    // The streaming request body: model, messages, tools, tool_choice, stream: true and
    // stream_options.include_usage.
    QJsonObject toOpenAiJson(const QString &model) const;
};
