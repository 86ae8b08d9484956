#include "chat/ChatEvents.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

using namespace Qt::StringLiterals;

namespace {

Event turnEvent(const QUuid &sessionId, const QString &type, const QString &turnId,
                const QString &content, QJsonObject metadata) {
    if (!turnId.isEmpty())
        metadata.insert(u"turn_id"_s, turnId);
    return Event::make(sessionId, type, content, metadata);
}

} // namespace

namespace ChatEvents {

Event userMessage(const QUuid &sessionId, const QString &turnId, const QString &text) {
    return turnEvent(sessionId, EventType::UserMessage, turnId, text, {});
}

Event assistantMessage(const QUuid &sessionId, const QString &turnId, const QString &content,
                       const TurnOutcome &outcome, bool interrupted,
                       const QList<ToolCall> &toolCalls) {
    QJsonObject metadata{
        {u"model"_s, outcome.model},
        {u"finish_reason"_s, outcome.finishReason},
        {u"usage"_s, QJsonObject{{u"prompt_tokens"_s, outcome.usage.promptTokens},
                                 {u"completion_tokens"_s, outcome.usage.completionTokens}}},
        {u"ttft_ms"_s, outcome.ttftMs},
        {u"duration_ms"_s, outcome.durationMs},
        {u"interrupted"_s, interrupted},
    };
    if (!toolCalls.isEmpty()) {
        QJsonArray calls;
        for (const ToolCall &call : toolCalls)
            calls.append(QJsonObject{{u"call_id"_s, call.id}, {u"name"_s, call.name}});
        metadata.insert(u"tool_calls"_s, calls);
    }
    return turnEvent(sessionId, EventType::AssistantMessage, turnId, content, metadata);
}

Event toolCall(const QUuid &sessionId, const QString &turnId, const ToolCall &call) {
    return turnEvent(sessionId, EventType::ToolCall, turnId, call.arguments,
                     {{u"call_id"_s, call.id},
                      {u"name"_s, call.name},
                      {u"arguments"_s, argumentsObject(call.arguments)}});
}

Event toolResult(const QUuid &sessionId, const QString &turnId, const QString &callId,
                 const QString &toolName, bool ok, const QString &modelText) {
    return turnEvent(sessionId, EventType::ToolResult, turnId, modelText,
                     {{u"call_id"_s, callId}, {u"name"_s, toolName}, {u"ok"_s, ok}});
}

Event error(const QUuid &sessionId, const QString &turnId, const QString &code,
            const QString &message, bool retryable) {
    return turnEvent(sessionId, EventType::Error, turnId, message,
                     {{u"code"_s, code}, {u"retryable"_s, retryable}});
}

QStringList unansweredTurns(const QList<Event> &events) {
    QStringList asked;
    QSet<QString> answered;
    for (const Event &event : events) {
        const QString turn = turnId(event);
        if (turn.isEmpty())
            continue;
        if (event.type == EventType::UserMessage)
            asked.append(turn);
        else if (event.type == EventType::AssistantMessage || event.type == EventType::Error)
            answered.insert(turn);
    }
    asked.removeIf([&answered](const QString &turn) { return answered.contains(turn); });
    asked.removeDuplicates();
    return asked;
}

Event turnWithdrawn(const QUuid &sessionId, const QString &turnId, const QString &reason) {
    return turnEvent(sessionId, EventType::TurnWithdrawn, turnId, {}, {{u"reason"_s, reason}});
}

QList<Event> withoutWithdrawnTurns(const QList<Event> &events) {
    QSet<QString> withdrawn;
    for (const Event &event : events) {
        if (event.type == EventType::TurnWithdrawn)
            withdrawn.insert(turnId(event));
    }
    QList<Event> kept;
    for (const Event &event : events) {
        if (event.type != EventType::TurnWithdrawn && !withdrawn.contains(turnId(event)))
            kept.append(event);
    }
    return kept;
}

Event interruptedTurn(const QUuid &sessionId, const QString &turnId) {
    return error(sessionId, turnId, u"interrupted"_s,
                 u"The reply to this message was interrupted: the server that was writing it "
                 "stopped. Send the message again."_s,
                 true);
}

QString newTurnId() {
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

QString turnId(const Event &event) {
    return event.metadata.value(u"turn_id"_s).toString();
}

QString toolName(const Event &event) {
    return event.metadata.value(u"name"_s).toString();
}

QString toolArguments(const Event &event) {
    const QJsonValue stored = event.metadata.value(u"arguments"_s);
    const bool contentIsJson = !QJsonDocument::fromJson(event.content.toUtf8()).isNull();
    // Rows written by other programs may keep the arguments only in the metadata (and the tool
    // name in the content).
    if (!contentIsJson && stored.isObject() && !stored.toObject().isEmpty())
        return QString::fromUtf8(QJsonDocument(stored.toObject()).toJson(QJsonDocument::Compact));
    return event.content;
}

bool toolSucceeded(const Event &event) {
    return event.metadata.value(u"ok"_s).toBool(true);
}

std::optional<ToolCall> parseToolCall(const Event &event) {
    const QString callId = event.metadata.value(u"call_id"_s).toString();
    const QString name = toolName(event);
    if (event.type != EventType::ToolCall || callId.isEmpty() || name.isEmpty())
        return std::nullopt;
    return ToolCall{callId, name, toolArguments(event)};
}

std::optional<ParsedToolResult> parseToolResult(const Event &event) {
    const QString callId = event.metadata.value(u"call_id"_s).toString();
    if (event.type != EventType::ToolResult || callId.isEmpty())
        return std::nullopt;
    return ParsedToolResult{callId, toolName(event), toolSucceeded(event), event.content};
}

std::optional<TurnOutcome> parseAssistantOutcome(const Event &event) {
    if (event.type != EventType::AssistantMessage)
        return std::nullopt;
    return parseOutcome(event.metadata);
}

TurnOutcome parseOutcome(const QJsonObject &fields, TurnOutcome outcome) {
    outcome.finishReason = fields.value(u"finish_reason"_s).toString();
    outcome.model = fields.value(u"model"_s).toString();
    const QJsonObject usage = fields.value(u"usage"_s).toObject();
    outcome.usage.promptTokens = usage.value(u"prompt_tokens"_s).toInt();
    outcome.usage.completionTokens = usage.value(u"completion_tokens"_s).toInt();
    outcome.ttftMs = fields.value(u"ttft_ms"_s).toInteger(-1);
    outcome.durationMs = fields.value(u"duration_ms"_s).toInteger();
    return outcome;
}

bool isInterrupted(const Event &event) {
    return event.metadata.value(u"interrupted"_s).toBool();
}

QString errorCode(const Event &event) {
    return event.metadata.value(u"code"_s).toString();
}

QJsonObject argumentsObject(const QString &arguments) {
    return QJsonDocument::fromJson(arguments.toUtf8()).object();
}

} // namespace ChatEvents
