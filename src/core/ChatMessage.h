#pragma once

#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

// A tool call as the model asked for it. `arguments` is the raw JSON text the model produced,
// which may be invalid: validating it is the tool registry's job.
struct ToolCall {
    QString id;
    QString name;
    QString arguments;

    bool operator==(const ToolCall &) const = default;
};

// One message of an OpenAI Chat Completions conversation.
struct ChatMessage {
    enum class Role { System, User, Assistant, Tool };

    Role role = Role::User;
    QString content;
    QList<ToolCall> toolCalls; // assistant messages that call tools
    QString toolCallId;        // tool messages: the call they answer
    QString toolName;          // tool messages: the tool that answered

    static ChatMessage system(const QString &content);
    static ChatMessage user(const QString &content);
    static ChatMessage assistant(const QString &content, const QList<ToolCall> &toolCalls = {});
    static ChatMessage toolResult(const QString &toolCallId, const QString &toolName,
                                  const QString &content);

    static QString roleName(Role role);

    // The message as the Chat Completions API expects it in `messages`.
    QJsonObject toOpenAiJson() const;

    bool operator==(const ChatMessage &) const = default;
};
Q_DECLARE_METATYPE(ChatMessage)
