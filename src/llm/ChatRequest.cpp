#include "llm/ChatRequest.h"

QJsonObject ChatRequest::toOpenAiJson(const QString &model) const {
    QJsonArray jsonMessages;
    for (const ChatMessage &message : messages)
        jsonMessages.append(message.toOpenAiJson());

    QJsonObject json{
        {QStringLiteral("model"), model},
        {QStringLiteral("messages"), jsonMessages},
        {QStringLiteral("stream"), true},
        {QStringLiteral("stream_options"), QJsonObject{{QStringLiteral("include_usage"), true}}},
    };
    if (!tools.isEmpty()) {
        json.insert(QStringLiteral("tools"), tools);
        if (toolChoice == QLatin1String("none") || toolChoice == QLatin1String("auto") ||
            toolChoice == QLatin1String("required")) {
            json.insert(QStringLiteral("tool_choice"), toolChoice);
        } else if (!toolChoice.isEmpty()) {
            json.insert(QStringLiteral("tool_choice"),
                        QJsonObject{{QStringLiteral("type"), QStringLiteral("function")},
                                    {QStringLiteral("function"),
                                     QJsonObject{{QStringLiteral("name"), toolChoice}}}});
        }
    }
    if (maxTokens)
        json.insert(QStringLiteral("max_tokens"), *maxTokens);
    if (temperature)
        json.insert(QStringLiteral("temperature"), *temperature);
    return json;
}
