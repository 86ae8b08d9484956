#include "core/RecordJson.h"

#include "core/Ids.h"
#include "core/Timestamps.h"

using namespace Qt::StringLiterals;

namespace RecordJson {

namespace {

QJsonValue timeOrNull(const QDateTime &time) {
    return time.isValid() ? QJsonValue(Timestamps::toIso(time)) : QJsonValue(QJsonValue::Null);
}

} // namespace

QJsonObject session(const Session &session) {
    return {
        {u"session_id"_s, Ids::toText(session.id)},
        {u"user_id"_s, session.userId},
        {u"start_time"_s, timeOrNull(session.startTime)},
        {u"end_time"_s, timeOrNull(session.endTime)},
        {u"summary"_s,
         session.summary.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(session.summary)},
        {u"status"_s, session.isActive() ? u"active"_s : u"ended"_s},
        {u"message_count"_s, session.messageCount},
        {u"title"_s,
         session.title.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(session.title)},
    };
}

QJsonObject event(const Event &event) {
    return {
        {u"id"_s, event.id},
        {u"event_type"_s, event.type},
        {u"content"_s, event.content},
        {u"metadata"_s, event.metadata},
        {u"created_at"_s, timeOrNull(event.createdAt)},
    };
}

QJsonObject historyMessage(const Event &event) {
    if (!event.isReadableMessage())
        return {};
    return {{u"role"_s, event.type == EventType::UserMessage ? u"user"_s : u"assistant"_s},
            {u"content"_s, event.content},
            {u"created_at"_s, timeOrNull(event.createdAt)}};
}

std::optional<Session> sessionFrom(const QJsonObject &json) {
    Session session;
    session.id = Ids::parseSessionId(json.value(u"session_id"_s).toString());
    if (session.id.isNull())
        return std::nullopt;
    session.userId = json.value(u"user_id"_s).toString();
    session.startTime = Timestamps::fromIso(json.value(u"start_time"_s).toString());
    session.endTime = Timestamps::fromIso(json.value(u"end_time"_s).toString());
    session.summary = json.value(u"summary"_s).toString();
    session.messageCount = json.value(u"message_count"_s).toInteger();
    session.title = json.value(u"title"_s).toString();
    return session;
}

Event eventFrom(const QJsonObject &json, const QUuid &sessionId) {
    Event event;
    event.id = json.value(u"id"_s).toInteger();
    event.sessionId = sessionId;
    event.type = json.value(u"event_type"_s).toString();
    event.content = json.value(u"content"_s).toString();
    event.metadata = json.value(u"metadata"_s).toObject();
    event.createdAt = Timestamps::fromIso(json.value(u"created_at"_s).toString());
    return event;
}

} // namespace RecordJson
