#include "llm/ChatRequest.h"

using namespace Qt::StringLiterals;

QJsonObject ChatRequest::toOpenAiJson(const QString &model) const {
    QJsonArray jsonMessages;
    for (const ChatMessage &message : messages)
        jsonMessages.append(message.toOpenAiJson());

    QJsonObject json{
        {u"model"_s, model},
        {u"messages"_s, jsonMessages},
        {u"stream"_s, true},
        {u"stream_options"_s, QJsonObject{{u"include_usage"_s, true}}},
    };
    if (!tools.isEmpty()) {
        const bool named = !toolChoice.isEmpty() && toolChoice != "none"_L1 &&
                           toolChoice != "auto"_L1 && toolChoice != "required"_L1;
        // A named function is sent as "required" with only that tool offered: the same meaning
        // as OpenAI's {"type":"function",…} object, which llama-server does not accept.
        QJsonArray offered;
        for (const QJsonValue &tool : tools) {
            if (!named || tool[u"function"_s][u"name"_s] == toolChoice)
                offered.append(tool);
        }
        json.insert(u"tools"_s, offered);
        if (!toolChoice.isEmpty())
            json.insert(u"tool_choice"_s, named ? u"required"_s : toolChoice);
    }
    if (maxTokens)
        json.insert(u"max_tokens"_s, *maxTokens);
    if (temperature)
        json.insert(u"temperature"_s, *temperature);
    return json;
}
