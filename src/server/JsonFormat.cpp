#include "server/JsonFormat.h"

#include "core/Ids.h"
#include "core/Timestamps.h"

#include <QJsonDocument>

namespace JsonFormat {

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

QJsonObject error(const QString &code, const QString &message) {
    return {{QStringLiteral("error"),
             QJsonObject{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}}}};
}

QJsonObject historyMessage(const Event &event) {
    QString role;
    if (event.type == EventType::UserMessage)
        role = QStringLiteral("user");
    else if (event.type == EventType::AssistantMessage && !event.content.isEmpty())
        role = QStringLiteral("assistant");
    else
        return {};
    return {{QStringLiteral("role"), role},
            {QStringLiteral("content"), event.content},
            {QStringLiteral("created_at"), timeOrNull(event.createdAt)}};
}

QByteArray compact(const QJsonObject &object) {
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace JsonFormat
