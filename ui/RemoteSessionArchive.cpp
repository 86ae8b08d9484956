#include "ui/RemoteSessionArchive.h"

#include "core/Ids.h"
#include "core/MessageError.h"
#include "core/RecordJson.h"
#include "core/Timestamps.h"
#include "ui/AdminClient.h"

#include <QJsonArray>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

using Reply = AdminClient::Reply;

QString sessionPath(const QUuid &id) {
    return u"/api/sessions/"_s + Ids::toText(id);
}

// The failure of a request as the failure of the future made from it.
const Reply &succeeded(const Reply &reply) {
    if (!reply.ok())
        throw MessageError(reply.error);
    return reply;
}

QList<Session> sessionsOf(const QJsonObject &page) {
    QList<Session> sessions;
    for (const QJsonValue &record : page.value(u"sessions"_s).toArray()) {
        if (const std::optional<Session> session = RecordJson::sessionFrom(record.toObject()))
            sessions << *session;
    }
    return sessions;
}

QDateTime nextBeforeOf(const QJsonObject &page) {
    return Timestamps::fromIso(page.value(u"next_before"_s).toString());
}

QUrlQuery pageQuery(const QString &userId, int limit, const QDateTime &before) {
    QUrlQuery query;
    if (!userId.isEmpty())
        query.addQueryItem(u"user_id"_s, userId);
    query.addQueryItem(u"limit"_s, QString::number(limit));
    if (before.isValid())
        query.addQueryItem(u"before"_s, Timestamps::toIso(before));
    return query;
}

} // namespace

RemoteSessionArchive::RemoteSessionArchive(AdminClient *client, QObject *parent)
    : SessionArchive(parent)
    , m_client(client) {}

QFuture<std::optional<Session>> RemoteSessionArchive::session(const QUuid &id) {
    return m_client->get(sessionPath(id)).then([](const Reply &reply) -> std::optional<Session> {
        if (reply.status == 404)
            return std::nullopt;
        return RecordJson::sessionFrom(succeeded(reply).body);
    });
}

QFuture<SessionPage> RemoteSessionArchive::sessions(const SessionQuery &query) {
    QUrlQuery params = pageQuery(query.userId, std::clamp(query.limit, 1, 200), query.before);
    if (query.status != SessionQuery::Status::Any)
        params.addQueryItem(u"status"_s, query.status == SessionQuery::Status::Active ? u"active"_s
                                                                                      : u"ended"_s);
    return m_client->get(u"/api/sessions"_s, params).then([](const Reply &reply) {
        const QJsonObject &page = succeeded(reply).body;
        return SessionPage{sessionsOf(page), nextBeforeOf(page)};
    });
}

QFuture<QHash<QUuid, SessionUsage>> RemoteSessionArchive::sessionUsage(const QList<QUuid> &) {
    return QtFuture::makeReadyFuture(QHash<QUuid, SessionUsage>());
}

QFuture<SessionSearchPage> RemoteSessionArchive::searchSessions(const SessionSearchQuery &query) {
    QUrlQuery params = pageQuery(
        query.userId, std::clamp(query.limit, 1, SessionSearchQuery::kMaxLimit), query.before);
    params.addQueryItem(u"q"_s, query.text);
    return m_client->get(u"/api/sessions"_s, params).then([](const Reply &reply) {
        const QJsonObject &page = succeeded(reply).body;
        SessionSearchPage found{{}, nextBeforeOf(page)};
        for (const QJsonValue &record : page.value(u"sessions"_s).toArray()) {
            const QJsonObject json = record.toObject();
            const std::optional<Session> session = RecordJson::sessionFrom(json);
            if (!session)
                continue;
            SessionMatch match{*session, json.value(u"snippet"_s).toString(), {}};
            for (const QJsonValue &highlight : json.value(u"highlights"_s).toArray()) {
                const QJsonArray pair = highlight.toArray();
                match.highlights.append({pair.at(0).toInteger(), pair.at(1).toInteger()});
            }
            found.matches << match;
        }
        return found;
    });
}

QFuture<QList<Event>> RemoteSessionArchive::events(const QUuid &sessionId, qint64 afterId,
                                                   int limit) {
    QUrlQuery params;
    params.addQueryItem(u"after_id"_s, QString::number(afterId));
    params.addQueryItem(u"limit"_s, QString::number(std::clamp(limit, 1, 1000)));
    return m_client->get(sessionPath(sessionId) + u"/events"_s, params)
        .then([sessionId](const Reply &reply) {
            QList<Event> events;
            for (const QJsonValue &record : succeeded(reply).body.value(u"events"_s).toArray())
                events << RecordJson::eventFrom(record.toObject(), sessionId);
            return events;
        });
}

QFuture<bool> RemoteSessionArchive::renameSession(const QUuid &id, const QString &title) {
    return m_client->patch(sessionPath(id), {{u"title"_s, title}}).then([](const Reply &reply) {
        return reply.status != 404 && succeeded(reply).ok();
    });
}

QString RemoteSessionArchive::backendName() const {
    return tr("remote");
}

void RemoteSessionArchive::setHealth(bool healthy, const QString &reason) {
    if (healthy == m_healthy)
        return;
    m_healthy = healthy;
    Q_EMIT healthChanged(healthy, reason);
}
