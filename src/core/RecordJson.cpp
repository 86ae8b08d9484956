#include "core/RecordJson.h"

#include "core/Ids.h"
#include "core/Timestamps.h"

namespace RecordJson {

namespace {

QJsonValue timeOrNull(const QDateTime &time) {
    return time.isValid() ? QJsonValue(Timestamps::toIso(time)) : QJsonValue(QJsonValue::Null);
}

} // namespace

QJsonObject session(const Session &session) {
    return {
        {QStringLiteral("session_id"), Ids::toText(session.id)},
        {QStringLiteral("user_id"), session.userId},
        {QStringLiteral("start_time"), timeOrNull(session.startTime)},
        {QStringLiteral("end_time"), timeOrNull(session.endTime)},
        {QStringLiteral("summary"),
         session.summary.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(session.summary)},
        {QStringLiteral("status"),
         session.isActive() ? QStringLiteral("active") : QStringLiteral("ended")},
        {QStringLiteral("message_count"), session.messageCount},
    };
}

QJsonObject event(const Event &event) {
    return {
        {QStringLiteral("id"), event.id},
        {QStringLiteral("event_type"), event.type},
        {QStringLiteral("content"), event.content},
        {QStringLiteral("metadata"), event.metadata},
        {QStringLiteral("created_at"), timeOrNull(event.createdAt)},
    };
}

QJsonObject historyMessage(const Event &event) {
    if (!event.isReadableMessage())
        return {};
    return {{QStringLiteral("role"), event.type == EventType::UserMessage
                                         ? QStringLiteral("user")
                                         : QStringLiteral("assistant")},
            {QStringLiteral("content"), event.content},
            {QStringLiteral("created_at"), timeOrNull(event.createdAt)}};
}

} // namespace RecordJson
