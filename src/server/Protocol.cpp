#include "server/Protocol.h"

#include "chat/TurnOutcome.h"
#include "core/Ids.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace Protocol {

QJsonObject sessionFrame(const QUuid &sessionId, const QString &userId, bool resumed,
                         const QString &model, int maxMessageBytes) {
    return {{u"type"_s, u"session"_s}, {u"session_id"_s, Ids::toText(sessionId)},
            {u"user_id"_s, userId},    {u"resumed"_s, resumed},
            {u"model"_s, model},       {u"max_message_bytes"_s, maxMessageBytes}};
}

QJsonObject historyFrame(const QJsonArray &messages) {
    return {{u"type"_s, u"history"_s}, {u"messages"_s, messages}};
}

QJsonObject contentFrame(const QString &text) {
    return {{u"type"_s, u"content"_s}, {u"value"_s, text}};
}

QJsonObject toolStartFrame(const QString &callId, const QString &tool,
                           const QJsonObject &arguments) {
    return {{u"type"_s, u"tool_start"_s},
            {u"tool"_s, tool},
            {u"call_id"_s, callId},
            {u"arguments"_s, arguments}};
}

QJsonObject toolEndFrame(const QString &callId, const QString &tool, bool ok,
                         const QJsonValue &result) {
    return {{u"type"_s, u"tool_end"_s},
            {u"tool"_s, tool},
            {u"call_id"_s, callId},
            {u"ok"_s, ok},
            {u"result"_s, result}};
}

QJsonObject pongFrame() {
    return {{u"type"_s, u"pong"_s}};
}

QJsonObject errorFrame(const QString &code, const QString &message, bool retryable,
                       qint64 retryAfterMs) {
    QJsonObject frame{{u"type"_s, u"error"_s},
                      {u"code"_s, code},
                      {u"message"_s, message},
                      {u"retryable"_s, retryable}};
    if (retryable && retryAfterMs >= 0)
        frame.insert(u"retry_after"_s, (retryAfterMs + 999) / 1000);
    return frame;
}

QJsonObject doneFrame(const TurnOutcome &outcome) {
    return {{u"type"_s, u"done"_s},
            {u"finish_reason"_s, outcome.finishReason},
            {u"usage"_s, QJsonObject{{u"prompt_tokens"_s, outcome.usage.promptTokens},
                                     {u"completion_tokens"_s, outcome.usage.completionTokens}}},
            {u"ttft_ms"_s, outcome.ttftMs},
            {u"duration_ms"_s, outcome.durationMs}};
}

QJsonObject forSession(QJsonObject frame, const QUuid &sessionId) {
    frame.insert(u"session_id"_s, Ids::toText(sessionId));
    return frame;
}

QJsonObject adminHelloFrame(const QJsonArray &liveSessions, bool remoteControl) {
    return {{u"type"_s, u"hello"_s},
            {u"sessions"_s, liveSessions},
            {u"remote_control"_s, remoteControl}};
}

QJsonObject sessionOpenedFrame(const QUuid &sessionId, const QString &userId) {
    return {{u"type"_s, u"session_opened"_s},
            {u"session_id"_s, Ids::toText(sessionId)},
            {u"user_id"_s, userId}};
}

QJsonObject sessionClosedFrame(const QUuid &sessionId) {
    return {{u"type"_s, u"session_closed"_s}, {u"session_id"_s, Ids::toText(sessionId)}};
}

QJsonObject followingFrame(const QUuid &sessionId) {
    return {{u"type"_s, u"following"_s}, {u"session_id"_s, Ids::toText(sessionId)}};
}

QJsonObject turnStartedFrame(const QUuid &sessionId, const QString &userText) {
    return {{u"type"_s, u"turn_started"_s},
            {u"session_id"_s, Ids::toText(sessionId)},
            {u"text"_s, userText}};
}

QJsonObject eventFrame(const QUuid &sessionId, const QJsonObject &storedEvent) {
    return {{u"type"_s, u"event"_s},
            {u"session_id"_s, Ids::toText(sessionId)},
            {u"event"_s, storedEvent}};
}

QJsonObject errorBody(const QString &code, const QString &message) {
    return {{u"error"_s, QJsonObject{{u"code"_s, code}, {u"message"_s, message}}}};
}

QByteArray compact(const QJsonObject &object) {
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace Protocol
