#pragma once

#include "core/Event.h"
#include "core/Session.h"

#include <QJsonObject>
#include <optional>

// The JSON shapes of PROTOCOL.md for stored sessions and events, shared by the REST API, the
// WebSocket `history` frame and the console's JSON export (written), and the remote console
// (read back). A time not set is null.
namespace RecordJson {

// {session_id, user_id, start_time, end_time, summary, status, message_count, title}
QJsonObject session(const Session &session);
// {id, event_type, content, metadata, created_at}
QJsonObject event(const Event &event);
// A `history` message {role, content, created_at} for readable messages (Event::
// isReadableMessage); an empty object for every other event.
QJsonObject historyMessage(const Event &event);

// The records back from those shapes (what session() and event() wrote; the fields the JSON
// does not carry keep their defaults). Nullopt without a valid session id.
std::optional<Session> sessionFrom(const QJsonObject &json);
// An event has no session id in its JSON: `sessionId` is the session it was read for.
Event eventFrom(const QJsonObject &json, const QUuid &sessionId);

} // namespace RecordJson
