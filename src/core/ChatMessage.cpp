#include "core/ChatMessage.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

ChatMessage ChatMessage::system(const QString &content) {
    return {Role::System, content, {}, {}, {}};
}

ChatMessage ChatMessage::user(const QString &content) {
    return {Role::User, content, {}, {}, {}};
}

ChatMessage ChatMessage::assistant(const QString &content, const QList<ToolCall> &toolCalls) {
    return {Role::Assistant, content, toolCalls, {}, {}};
}

ChatMessage ChatMessage::toolResult(const QString &toolCallId, const QString &toolName,
                                    const QString &content) {
    return {Role::Tool, content, {}, toolCallId, toolName};
}

QString ChatMessage::roleName(Role role) {
    switch (role) {
    case Role::System:
        return u"system"_s;
    case Role::User:
        return u"user"_s;
    case Role::Assistant:
        return u"assistant"_s;
    case Role::Tool:
        return u"tool"_s;
    }
    return {};
}

QJsonObject ChatMessage::toOpenAiJson() const {
    QJsonObject json{{u"role"_s, roleName(role)}};
    if (role == Role::Assistant && !toolCalls.isEmpty()) {
        QJsonArray calls;
        for (const ToolCall &call : toolCalls) {
            calls.append(
                QJsonObject{{u"id"_s, call.id},
                            {u"type"_s, u"function"_s},
                            {u"function"_s, QJsonObject{{u"name"_s, call.name},
                                                        {u"arguments"_s, call.arguments}}}});
        }
        json.insert(u"tool_calls"_s, calls);
        // The API wants null, not "", for an assistant message that only calls tools.
        json.insert(u"content"_s,
                    content.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(content));
        return json;
    }
    json.insert(u"content"_s, content);
    if (role == Role::Tool)
        json.insert(u"tool_call_id"_s, toolCallId);
    return json;
}
