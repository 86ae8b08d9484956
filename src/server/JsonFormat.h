#pragma once

#include "core/Event.h"
#include "core/Session.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>

// The JSON shapes of PROTOCOL.md shared by the REST API and the WebSocket frames.
namespace JsonFormat {

// {session_id, user_id, start_time, end_time, summary, status, message_count}
QJsonObject session(const Session &session);
// {id, event_type, content, metadata, created_at}
QJsonObject event(const Event &event);
// {"error":{"code","message"}}
QJsonObject error(const QString &code, const QString &message);
// A `history` message {role, content, created_at} for user and assistant messages; an empty
// object for every other event (and for assistant messages without text).
QJsonObject historyMessage(const Event &event);

QByteArray compact(const QJsonObject &object);

} // namespace JsonFormat
