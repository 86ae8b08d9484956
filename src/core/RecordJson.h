#pragma once

#include "core/Event.h"
#include "core/Session.h"

#include <QJsonObject>

// The JSON shapes of PROTOCOL.md for stored sessions and events, shared by the REST API, the
// WebSocket `history` frame and the console's JSON export. A time not set is null.
namespace RecordJson {

// {session_id, user_id, start_time, end_time, summary, status, message_count, title}
QJsonObject session(const Session &session);
// {id, event_type, content, metadata, created_at}
QJsonObject event(const Event &event);
// A `history` message {role, content, created_at} for readable messages (Event::
// isReadableMessage); an empty object for every other event.
QJsonObject historyMessage(const Event &event);

} // namespace RecordJson
