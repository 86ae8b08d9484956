#include "server/SessionsApi.h"

#include "core/FutureCallbacks.h"
#include "core/Ids.h"
#include "core/RecordJson.h"
#include "core/SessionTitle.h"
#include "core/Timestamps.h"
#include "server/Protocol.h"
#include "server/SessionRouter.h"
#include "storage/Database.h"
#include "storage/SessionSearchStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrlQuery>
#include <limits>

using namespace Qt::StringLiterals;

namespace {

// A page of GET /api/sessions, listed or searched: the sessions and where the next one starts.
QJsonObject sessionsPage(const QJsonArray &sessions, const QDateTime &nextBefore) {
    return {{u"sessions"_s, sessions},
            {u"next_before"_s, nextBefore.isValid() ? QJsonValue(Timestamps::toIso(nextBefore))
                                                    : QJsonValue(QJsonValue::Null)}};
}

constexpr int kMaxSessionsPage = 200;
constexpr int kDefaultSessionsPage = 50;
constexpr int kDefaultSearchPage = 20;
constexpr int kMaxEventsPage = 1000;
constexpr qsizetype kMaxRenameBody = 4096;

// Parses an integer query parameter; nullopt (and `error` set) when present but invalid.
std::optional<qint64> intParam(const QUrlQuery &query, const QString &name, qint64 fallback,
                               qint64 min, qint64 max, QString *error) {
    if (!query.hasQueryItem(name))
        return fallback;
    bool ok = false;
    const qint64 value = query.queryItemValue(name).toLongLong(&ok);
    if (!ok || value < min || value > max) {
        *error = u"%1 must be an integer from %2 to %3"_s.arg(name).arg(min).arg(max);
        return std::nullopt;
    }
    return value;
}

QString methodName(QHttpServerRequest::Method method) {
    switch (method) {
    case QHttpServerRequest::Method::Patch:
        return u"PATCH"_s;
    case QHttpServerRequest::Method::Delete:
        return u"DELETE"_s;
    default:
        return u"GET"_s;
    }
}

HttpReply sessionNotFound(const QUuid &id) {
    return HttpReply::error(404, Protocol::Error::NotFound,
                            u"no session %1"_s.arg(Ids::toText(id)));
}

} // namespace

// A path of segments ("{id}" matches a session id) and the handler of each method it answers.
struct SessionsApi::Route {
    QStringList segments;
    QList<QPair<Method,
                std::function<void(SessionsApi *, const QUuid &, const QUrlQuery &,
                                   const QByteArray &body, const ClientIdentity &, QTcpSocket *)>>>
        handlers;
};

SessionsApi::SessionsApi(Database *database, SessionRouter *sessions, Send send, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_sessions(sessions)
    , m_send(std::move(send)) {}

void SessionsApi::handle(const QHttpServerRequest &request, QTcpSocket *socket,
                         const ClientIdentity &who) {
    static const QList<Route> routes = {
        {{u"api"_s, u"sessions"_s},
         {{Method::Get,
           [](SessionsApi *api, const QUuid &, const QUrlQuery &query, const QByteArray &,
              const ClientIdentity &w, QTcpSocket *s) { api->listSessions(query, w, s); }}}},
        {{u"api"_s, u"sessions"_s, u"{id}"_s},
         {{Method::Get, [](SessionsApi *api, const QUuid &id, const QUrlQuery &, const QByteArray &,
                           const ClientIdentity &w, QTcpSocket *s) { api->getSession(id, w, s); }},
          {Method::Patch,
           [](SessionsApi *api, const QUuid &id, const QUrlQuery &, const QByteArray &body,
              const ClientIdentity &w, QTcpSocket *s) { api->renameSession(id, body, w, s); }},
          {Method::Delete,
           [](SessionsApi *api, const QUuid &id, const QUrlQuery &, const QByteArray &,
              const ClientIdentity &w, QTcpSocket *s) { api->deleteSession(id, w, s); }}}},
        {{u"api"_s, u"sessions"_s, u"{id}"_s, u"events"_s},
         {{Method::Get,
           [](SessionsApi *api, const QUuid &id, const QUrlQuery &query, const QByteArray &,
              const ClientIdentity &w, QTcpSocket *s) { api->listEvents(id, query, w, s); }}}},
    };
    const QString path = request.url().path();
    const QStringList parts = path.split(u'/', Qt::SkipEmptyParts);
    const auto route = std::find_if(routes.cbegin(), routes.cend(), [&parts](const Route &r) {
        if (r.segments.size() != parts.size())
            return false;
        for (qsizetype i = 0; i < parts.size(); ++i)
            if (r.segments.at(i) != "{id}"_L1 && r.segments.at(i) != parts.at(i))
                return false;
        return true;
    });
    if (route == routes.cend()) {
        m_send(socket, HttpReply::error(404, Protocol::Error::NotFound,
                                        u"no such API route: %1; see PROTOCOL.md"_s.arg(path)));
        return;
    }
    QUuid id;
    if (const qsizetype at = route->segments.indexOf(u"{id}"_s); at >= 0) {
        id = Ids::parseSessionId(parts.at(at));
        if (id.isNull()) {
            m_send(socket,
                   HttpReply::error(400, Protocol::Error::BadRequest,
                                    u"%1 is not a session id; session ids are UUIDs such "
                                    "as 123e4567-e89b-12d3-a456-426614174000"_s.arg(parts.at(at))));
            return;
        }
    }
    for (const auto &[method, handler] : route->handlers) {
        if (method == request.method()) {
            handler(this, id, QUrlQuery(request.url()), request.body(), who, socket);
            return;
        }
    }
    QStringList allowed;
    for (const auto &[method, handler] : route->handlers)
        allowed << methodName(method);
    const QString allow = allowed.join(u", "_s);
    HttpReply reply = HttpReply::error(405, Protocol::Error::MethodNotAllowed,
                                       u"%1 answers %2 only"_s.arg(path, allow));
    reply.headers.append({QByteArrayLiteral("Allow"), allow.toLatin1()});
    m_send(socket, reply);
}

void SessionsApi::answer(const QPointer<QTcpSocket> &socket, const HttpReply &reply) {
    if (socket)
        m_send(socket, reply);
}

std::function<void(const QString &)>
SessionsApi::databaseError(const QPointer<QTcpSocket> &socket) {
    return [this, socket](const QString &error) {
        answer(socket, HttpReply::error(
                           503, Protocol::Error::DatabaseUnavailable,
                           u"the database could not answer (%1); try again later"_s.arg(error)));
    };
}

void SessionsApi::listSessions(const QUrlQuery &query, const ClientIdentity &who,
                               QTcpSocket *socket) {
    SessionQuery sessionQuery;
    QString problem;
    if (query.hasQueryItem(u"user_id"_s)) {
        sessionQuery.userId = query.queryItemValue(u"user_id"_s, QUrl::FullyDecoded);
        if (!Ids::isValidUserId(sessionQuery.userId))
            problem =
                u"user_id must have 1 to %1 printable characters"_s.arg(Ids::kMaxUserIdLength);
    }
    if (!who.seesEveryUser()) {
        if (query.hasQueryItem(u"user_id"_s) && sessionQuery.userId != who.userId) {
            m_send(socket, HttpReply::error(403, Protocol::Error::Forbidden,
                                            u"your token lets you list only your own "
                                            "sessions: leave out user_id or give your own"_s));
            return;
        }
        sessionQuery.userId = who.userId;
    }
    const QString status = query.queryItemValue(u"status"_s);
    if (status == u"active")
        sessionQuery.status = SessionQuery::Status::Active;
    else if (status == u"ended")
        sessionQuery.status = SessionQuery::Status::Ended;
    else if (!status.isEmpty() && status != u"any")
        problem = u"status must be active, ended or any, not %1"_s.arg(status);
    if (const auto limit =
            intParam(query, u"limit"_s, kDefaultSessionsPage, 1, kMaxSessionsPage, &problem))
        sessionQuery.limit = int(*limit);
    if (query.hasQueryItem(u"before"_s)) {
        const QString before = query.queryItemValue(u"before"_s, QUrl::FullyDecoded);
        sessionQuery.before = Timestamps::fromIso(before);
        if (!sessionQuery.before.isValid())
            problem = u"before must be an ISO 8601 time such as "
                      "2026-11-24T14:48:18.123Z (the next_before of a page)"_s;
    }
    if (query.hasQueryItem(u"q"_s)) {
        searchSessions(query, sessionQuery, problem, socket);
        return;
    }
    if (!problem.isEmpty()) {
        m_send(socket, HttpReply::error(400, Protocol::Error::BadRequest, problem));
        return;
    }
    const QPointer<QTcpSocket> guard(socket);
    whenFinished(
        this, m_database->sessions(sessionQuery),
        [this, guard](const SessionPage &page) {
            QJsonArray sessions;
            for (const Session &session : page.sessions)
                sessions.append(RecordJson::session(session));
            answer(guard, HttpReply::json(200, sessionsPage(sessions, page.nextBefore)));
        },
        databaseError(guard));
}

void SessionsApi::searchSessions(const QUrlQuery &query, const SessionQuery &listQuery,
                                 QString problem, QTcpSocket *socket) {
    SessionSearchQuery searchQuery;
    searchQuery.text = query.queryItemValue(u"q"_s, QUrl::FullyDecoded);
    searchQuery.userId = listQuery.userId;
    searchQuery.before = listQuery.before;
    searchQuery.limit = kDefaultSearchPage;
    if (searchQuery.text.trimmed().isEmpty())
        problem = u"q must hold the words to search for"_s;
    else if (searchQuery.text.size() > SessionSearchQuery::kMaxTextLength)
        problem = u"q is %1 characters long; at most %2 are searched"_s.arg(searchQuery.text.size())
                      .arg(SessionSearchQuery::kMaxTextLength);
    else if (SessionSearchStore::words(searchQuery.text).isEmpty())
        problem = u"q has no word to search for: words are letters and digits"_s;
    if (query.hasQueryItem(u"status"_s) && problem.isEmpty())
        problem = u"status cannot be combined with q: a search covers every session"_s;
    if (query.hasQueryItem(u"limit"_s)) {
        QString limitProblem;
        if (const auto limit = intParam(query, u"limit"_s, kDefaultSearchPage, 1,
                                        SessionSearchQuery::kMaxLimit, &limitProblem))
            searchQuery.limit = int(*limit);
        else if (problem.isEmpty())
            problem = limitProblem + u" with q"_s;
    }
    if (!problem.isEmpty()) {
        m_send(socket, HttpReply::error(400, Protocol::Error::BadRequest, problem));
        return;
    }
    const QPointer<QTcpSocket> guard(socket);
    whenFinished(
        this, m_database->searchSessions(searchQuery),
        [this, guard](const SessionSearchPage &page) {
            QJsonArray sessions;
            for (const SessionMatch &match : page.matches) {
                QJsonObject record = RecordJson::session(match.session);
                record.insert(u"snippet"_s, match.snippet);
                QJsonArray highlights;
                for (const auto &[start, length] : match.highlights)
                    highlights.append(QJsonArray{qint64(start), qint64(length)});
                record.insert(u"highlights"_s, highlights);
                sessions.append(record);
            }
            answer(guard, HttpReply::json(200, sessionsPage(sessions, page.nextBefore)));
        },
        databaseError(guard));
}

void SessionsApi::getSession(const QUuid &id, const ClientIdentity &who, QTcpSocket *socket) {
    const QPointer<QTcpSocket> guard(socket);
    whenFinished(
        this, m_database->session(id),
        [this, guard, id, who](const std::optional<Session> &session) {
            answer(guard, session && who.mayAccess(session->userId)
                              ? HttpReply::json(200, RecordJson::session(*session))
                              : sessionNotFound(id));
        },
        databaseError(guard));
}

void SessionsApi::listEvents(const QUuid &id, const QUrlQuery &query, const ClientIdentity &who,
                             QTcpSocket *socket) {
    QString problem;
    const auto afterId =
        intParam(query, u"after_id"_s, 0, 0, std::numeric_limits<qint64>::max(), &problem);
    const auto limit = intParam(query, u"limit"_s, kMaxEventsPage, 1, kMaxEventsPage, &problem);
    if (!afterId || !limit) {
        m_send(socket, HttpReply::error(400, Protocol::Error::BadRequest, problem));
        return;
    }
    const QPointer<QTcpSocket> guard(socket);
    // The session lookup tells an unknown session (404) from one without events.
    whenFinished(
        this, m_database->session(id),
        [this, guard, id, who, after = *afterId,
         count = int(*limit)](const std::optional<Session> &session) {
            if (!session || !who.mayAccess(session->userId)) {
                answer(guard, sessionNotFound(id));
                return;
            }
            whenFinished(
                this, m_database->events(id, after, count),
                [this, guard](const QList<Event> &events) {
                    QJsonArray array;
                    for (const Event &event : events)
                        array.append(RecordJson::event(event));
                    answer(guard, HttpReply::json(200, {{u"events"_s, array}}));
                },
                databaseError(guard));
        },
        databaseError(guard));
}

void SessionsApi::deleteSession(const QUuid &id, const ClientIdentity &who, QTcpSocket *socket) {
    if (who.seesEveryUser()) {
        removeSession(id, socket);
        return;
    }
    // Another user's session is not found, live or not.
    const QPointer<QTcpSocket> guard(socket);
    whenFinished(
        this, m_database->session(id),
        [this, guard, id, who](const std::optional<Session> &session) {
            if (!guard)
                return;
            if (!session || !who.mayAccess(session->userId))
                answer(guard, sessionNotFound(id));
            else
                removeSession(id, guard);
        },
        databaseError(guard));
}

void SessionsApi::removeSession(const QUuid &id, QTcpSocket *socket) {
    const QPointer<QTcpSocket> guard(socket);
    whenFinished(
        this, m_sessions->remove(id),
        [this, guard, id](SessionRouter::Removal removal) {
            switch (removal) {
            case SessionRouter::Removal::Deleted:
                answer(guard, HttpReply::json(200, {{u"deleted"_s, Ids::toText(id)}}));
                break;
            case SessionRouter::Removal::NotFound:
                answer(guard, sessionNotFound(id));
                break;
            case SessionRouter::Removal::Live:
                answer(guard,
                       HttpReply::error(409, Protocol::Error::Conflict,
                                        u"session %1 is live; end it (disconnect its "
                                        "client) before deleting it"_s.arg(Ids::toText(id))));
                break;
            }
        },
        databaseError(guard));
}

void SessionsApi::renameSession(const QUuid &id, const QByteArray &body, const ClientIdentity &who,
                                QTcpSocket *socket) {
    const auto refuse = [this, socket](const QString &problem) {
        m_send(socket, HttpReply::error(400, Protocol::Error::BadRequest, problem));
    };
    if (body.size() > kMaxRenameBody) {
        refuse(
            u"the body has %1 bytes; send {\"title\": \"…\"}, at most %2 bytes"_s.arg(body.size())
                .arg(kMaxRenameBody));
        return;
    }
    const QJsonDocument document = QJsonDocument::fromJson(body);
    const QJsonValue title = document.object().value(u"title"_s);
    if (!document.isObject() || !title.isString()) {
        refuse(u"send a JSON object with a string \"title\", such as {\"title\": \"Trip to "
               "Rome\"}"_s);
        return;
    }
    QString problem;
    const QString checked = SessionTitle::fromUser(title.toString(), &problem);
    if (checked.isNull()) {
        refuse(problem);
        return;
    }
    const QPointer<QTcpSocket> guard(socket);
    // Another user's session is not found; the lookup comes first for that.
    whenFinished(
        this, m_database->session(id),
        [this, guard, id, who, checked](const std::optional<Session> &session) {
            if (!guard)
                return;
            if (!session || !who.mayAccess(session->userId)) {
                answer(guard, sessionNotFound(id));
                return;
            }
            whenFinished(
                this, m_database->renameSession(id, checked),
                [this, guard, id, session = *session, checked](bool renamed) {
                    if (!renamed) {
                        answer(guard, sessionNotFound(id));
                        return;
                    }
                    Session updated = session;
                    updated.title = checked;
                    updated.titleSource = SessionTitle::kFromUser;
                    answer(guard, HttpReply::json(200, RecordJson::session(updated)));
                },
                databaseError(guard));
        },
        databaseError(guard));
}
