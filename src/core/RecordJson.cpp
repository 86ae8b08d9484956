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

} // namespace RecordJson
