#pragma once

#include "chat/TurnOutcome.h"
#include "core/ChatMessage.h"
#include "core/Event.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <QUuid>
#include <optional>

// The events a conversation stores, with the metadata layout of PROTOCOL.md (Stored events), and
// their parsing. Every event of a turn also carries `turn_id`, the id given to its user_message:
// queued user messages are stored before the turns that precede them end, and turn_id lets the
// memory put each reply after its own question when a session is rebuilt from its events.
namespace ChatEvents {

Event userMessage(const QUuid &sessionId, const QString &turnId, const QString &text);
// The reply of a turn: the text the user saw; `toolCalls` are all the calls made during the turn.
Event assistantMessage(const QUuid &sessionId, const QString &turnId, const QString &content,
                       const TurnOutcome &outcome, bool interrupted,
                       const QList<ToolCall> &toolCalls = {});
// content: the raw arguments text the model produced; metadata.arguments: the parsed object.
Event toolCall(const QUuid &sessionId, const QString &turnId, const ToolCall &call);
// content: the result as given to the model.
Event toolResult(const QUuid &sessionId, const QString &turnId, const QString &callId,
                 const QString &toolName, bool ok, const QString &modelText);
Event error(const QUuid &sessionId, const QString &turnId, const QString &code,
            const QString &message, bool retryable);
// The turn is taken back (regenerate, edit): its question and reply stay stored, but the model
// and `history` leave them out. `reason`: regenerate or edit.
Event turnWithdrawn(const QUuid &sessionId, const QString &turnId, const QString &reason);
// `events` without those of withdrawn turns (and without the turn_withdrawn events).
QList<Event> withoutWithdrawnTurns(const QList<Event> &events);

// The turns whose user_message has no assistant_message or error with its turn_id: their reply
// was in flight in a process that stopped without storing it. In order; turns stored without a
// turn_id are never counted.
QStringList unansweredTurns(const QList<Event> &events);
// What marks such a turn when its session resumes: error `interrupted`, retryable.
Event interruptedTurn(const QUuid &sessionId, const QString &turnId);

QString newTurnId();
QString turnId(const Event &event); // empty for events stored without one (older databases)

// The parts of a tool_call or tool_result, for showing them; parseToolCall/parseToolResult also
// need the call id, to pair them for the model.
QString toolName(const Event &event);
QString toolArguments(const Event &event); // the arguments as JSON text (or what was stored)
bool toolSucceeded(const Event &event);    // a result stored without `ok` counts as a success

std::optional<ToolCall> parseToolCall(const Event &event);
struct ParsedToolResult {
    QString callId;
    QString toolName;
    bool ok = false;
    QString modelText;
};
std::optional<ParsedToolResult> parseToolResult(const Event &event);
// The outcome recorded in an assistant_message (finish reason, usage, ttft, duration, model).
std::optional<TurnOutcome> parseAssistantOutcome(const Event &event);
// `outcome` with the same fields read from any JSON object: an assistant_message's metadata, or
// the admin feed's done frame (which has no model).
TurnOutcome parseOutcome(const QJsonObject &fields, TurnOutcome outcome = {});
bool isInterrupted(const Event &event);
QString errorCode(const Event &event); // an error event's code; empty when stored without one
// Parsed tool arguments; {} when the text is not a JSON object.
QJsonObject argumentsObject(const QString &arguments);

} // namespace ChatEvents
