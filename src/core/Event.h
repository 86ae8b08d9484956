#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QUuid>

// The event_type values this program writes. Other values may exist in older databases and are
// read back unchanged.
namespace EventType {
inline const QString SessionStart = QStringLiteral("session_start");
inline const QString UserMessage = QStringLiteral("user_message");
inline const QString AssistantMessage = QStringLiteral("assistant_message");
inline const QString ToolCall = QStringLiteral("tool_call");
inline const QString ToolResult = QStringLiteral("tool_result");
inline const QString Error = QStringLiteral("error");
inline const QString TurnWithdrawn = QStringLiteral("turn_withdrawn");
inline const QString SessionEnd = QStringLiteral("session_end");
inline const QString Summary = QStringLiteral("summary");
} // namespace EventType

// One row of `session_events`. `id` and `createdAt` are assigned when the row is stored;
// `createdAt` is set by the producer so the order of events survives batching.
struct Event {
    qint64 id = 0;
    QUuid sessionId;
    QString type;
    QString content;
    QJsonObject metadata;
    QDateTime createdAt;

    static Event make(const QUuid &sessionId, const QString &type, const QString &content,
                      const QJsonObject &metadata = {});

    // A message of the conversation, what message_count counts: a user or an assistant message.
    bool isMessage() const {
        return type == EventType::UserMessage || type == EventType::AssistantMessage;
    }
    // A message a person reads back (`history`): a failed turn's assistant message may be empty.
    bool isReadableMessage() const { return isMessage() && !content.isEmpty(); }
};
Q_DECLARE_METATYPE(Event)
