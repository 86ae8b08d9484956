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
        const bool named = !toolChoice.isEmpty() && toolChoice != QLatin1String("none") &&
                           toolChoice != QLatin1String("auto") &&
                           toolChoice != QLatin1String("required");
        // A named function is sent as "required" with only that tool offered: the same meaning
        // as OpenAI's {"type":"function",…} object, which llama-server does not accept.
        QJsonArray offered;
        for (const QJsonValue &tool : tools) {
            if (!named || tool[QStringLiteral("function")][QStringLiteral("name")] == toolChoice)
                offered.append(tool);
        }
        json.insert(QStringLiteral("tools"), offered);
        if (!toolChoice.isEmpty())
            json.insert(QStringLiteral("tool_choice"),
                        named ? QStringLiteral("required") : toolChoice);
    }
    if (maxTokens)
        json.insert(QStringLiteral("max_tokens"), *maxTokens);
    if (temperature)
        json.insert(QStringLiteral("temperature"), *temperature);
    return json;
}
