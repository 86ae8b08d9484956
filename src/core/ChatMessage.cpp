#include "core/ChatMessage.h"

#include <QJsonArray>

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
        return QStringLiteral("system");
    case Role::User:
        return QStringLiteral("user");
    case Role::Assistant:
        return QStringLiteral("assistant");
    case Role::Tool:
        return QStringLiteral("tool");
    }
    return {};
}

QJsonObject ChatMessage::toOpenAiJson() const {
    QJsonObject json{{QStringLiteral("role"), roleName(role)}};
    if (role == Role::Assistant && !toolCalls.isEmpty()) {
        QJsonArray calls;
        for (const ToolCall &call : toolCalls) {
            calls.append(QJsonObject{{QStringLiteral("id"), call.id},
                                     {QStringLiteral("type"), QStringLiteral("function")},
                                     {QStringLiteral("function"),
                                      QJsonObject{{QStringLiteral("name"), call.name},
                                                  {QStringLiteral("arguments"), call.arguments}}}});
        }
        json.insert(QStringLiteral("tool_calls"), calls);
        // The API wants null, not "", for an assistant message that only calls tools.
        json.insert(QStringLiteral("content"),
                    content.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(content));
        return json;
    }
    json.insert(QStringLiteral("content"), content);
    if (role == Role::Tool)
        json.insert(QStringLiteral("tool_call_id"), toolCallId);
    return json;
}
