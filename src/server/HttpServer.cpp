#include "server/HttpServer.h"

#include "chat/SessionService.h"
#include "core/FutureCallbacks.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "core/MetricsRegistry.h"
#include "core/RecordJson.h"
#include "core/Timestamps.h"
#include "server/ApiCredentials.h"
#include "server/JsonFormat.h"
#include "server/ServerMetrics.h"
#include "server/SessionManager.h"
#include "storage/Database.h"

#include <QDir>
#include <QFile>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonObject>
#include <QMimeDatabase>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrlQuery>
#include <QWebSocket>

namespace {

constexpr int kMaxSessionsPage = 200;
constexpr int kDefaultSessionsPage = 50;
constexpr int kMaxEventsPage = 1000;

const QByteArray kJson = QByteArrayLiteral("application/json");

QByteArray statusText(int status) {
    switch (status) {
    case 200:
        return QByteArrayLiteral("OK");
    case 204:
        return QByteArrayLiteral("No Content");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 409:
        return QByteArrayLiteral("Conflict");
    case 426:
        return QByteArrayLiteral("Upgrade Required");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    default:
        return QByteArrayLiteral("Status");
    }
}

// Parses an integer query parameter; nullopt (and `error` set) when present but invalid.
std::optional<qint64> intParam(const QUrlQuery &query, const QString &name, qint64 fallback,
                               qint64 min, qint64 max, QString *error) {
    if (!query.hasQueryItem(name))
        return fallback;
    bool ok = false;
    const qint64 value = query.queryItemValue(name).toLongLong(&ok);
    if (!ok || value < min || value > max) {
        *error = QStringLiteral("%1 must be an integer from %2 to %3").arg(name).arg(min).arg(max);
        return std::nullopt;
    }
    return value;
}

} // namespace

HttpServer::HttpServer(Database *database, MetricsRegistry *metrics, SessionService *sessions,
                       SessionManager *connections, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_database(database)
    , m_metrics(metrics)
    , m_sessions(sessions)
    , m_connections(connections) {
    connect(this, &QAbstractHttpServer::newWebSocketConnection, this, [this] {
        while (hasPendingWebSocketConnections())
            m_connections->accept(nextPendingWebSocketConnection());
    });
}

void HttpServer::setApiToken(const QString &token) {
    m_apiToken = token;
}

void HttpServer::setAcceptingReason(const QString &notReadyReason) {
    m_notReadyReason = notReadyReason;
}

void HttpServer::setLlmProblem(const QString &problem) {
    m_llmProblem = problem;
}

void HttpServer::stopListening() {
    for (QTcpServer *server : servers())
        server->close();
}

HttpServer::Reply HttpServer::json(int status, const QJsonObject &body) {
    return {status, kJson, JsonFormat::compact(body), {}};
}

HttpServer::Reply HttpServer::error(int status, const QString &code, const QString &message) {
    return json(status, JsonFormat::error(code, message));
}

bool HttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) {
    const QString path = request.url().path();
    const auto method = request.method();
    if (path.startsWith(u"/ws/")) {
        if (request.value(QByteArrayLiteral("upgrade")).compare("websocket", Qt::CaseInsensitive) ==
            0) {
            // Streamed tokens are small frames: send each at once instead of coalescing them.
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            return true; // QAbstractHttpServer hands the socket to its QWebSocketServer
        }
        send(socket, error(426, QStringLiteral("upgrade_required"),
                           QStringLiteral("%1 is a WebSocket endpoint; connect with a WebSocket "
                                          "client")
                               .arg(path)));
        return true;
    }
    if (path.startsWith(u"/api/") || path == u"/api") {
        if (!authorized(request)) {
            Reply reply = error(401, QStringLiteral("unauthorized"),
                                QStringLiteral("this server requires its API token: send "
                                               "Authorization: Bearer <token>"));
            reply.headers.append(
                {QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer")});
            send(socket, reply);
            return true;
        }
        handleApi(request, socket, path);
        return true;
    }
    if (method != QHttpServerRequest::Method::Get) {
        Reply reply = error(405, QStringLiteral("method_not_allowed"),
                            QStringLiteral("%1 only answers GET").arg(path));
        reply.headers.append({QByteArrayLiteral("Allow"), QByteArrayLiteral("GET")});
        send(socket, reply);
        return true;
    }
    if (path == u"/healthz") {
        send(socket, json(200, {{QStringLiteral("status"), QStringLiteral("ok")}}));
    } else if (path == u"/readyz") {
        send(socket, ready());
    } else if (path == u"/metrics") {
        if (!authorized(request)) {
            send(socket, error(401, QStringLiteral("unauthorized"),
                               QStringLiteral("this server requires its API token: send "
                                              "Authorization: Bearer <token>")));
            return true;
        }
        m_metrics->set(ServerMetrics::DatabaseQueueDepth, m_database->queueDepth());
        m_metrics->set(ServerMetrics::DatabaseHealthy, m_database->isHealthy() ? 1 : 0);
        send(socket, {200,
                      QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"),
                      m_metrics->render(),
                      {}});
    } else {
        send(socket, serveStatic(path));
    }
    return true;
}

void HttpServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) {
    // Only reached for WebSocket upgrades Qt refused before asking handleRequest.
    send(socket, error(400, QStringLiteral("bad_request"),
                       QStringLiteral("cannot serve %1").arg(request.url().path())));
}

HttpServer::Reply HttpServer::sessionNotFound(const QUuid &id) {
    return error(404, QStringLiteral("not_found"),
                 QStringLiteral("no session %1").arg(Ids::toText(id)));
}

std::function<void(const QString &)> HttpServer::databaseErrorReply(QPointer<QTcpSocket> socket) {
    return [this, socket](const QString &error) {
        if (socket)
            send(socket, HttpServer::error(
                             503, QStringLiteral("database_unavailable"),
                             QStringLiteral("the database could not answer (%1); try again later")
                                 .arg(error)));
    };
}

void HttpServer::send(QTcpSocket *socket, const Reply &reply) {
    QByteArray head =
        "HTTP/1.1 " + QByteArray::number(reply.status) + ' ' + statusText(reply.status) + "\r\n";
    if (!reply.contentType.isEmpty())
        head += "Content-Type: " + reply.contentType + "\r\n";
    head += "Content-Length: " + QByteArray::number(reply.body.size()) + "\r\n";
    if (reply.contentType == kJson)
        head += "Cache-Control: no-store\r\n";
    for (const auto &[name, value] : reply.headers)
        head += name + ": " + value + "\r\n";
    head += "\r\n";
    socket->write(head + reply.body);
    m_metrics->increment(ServerMetrics::HttpRequests,
                         {{QStringLiteral("status"), QString::number(reply.status)}});
}

HttpServer::Reply HttpServer::serveStatic(const QString &path) const {
    const QString cleaned = QDir::cleanPath(path);
    const QString relative = cleaned == u"/" ? QStringLiteral("/index.html") : cleaned;
    const QString resource = QStringLiteral(":/web") + relative;
    QFile file(resource);
    if (!relative.contains(u"..") && file.open(QIODevice::ReadOnly)) {
        QByteArray type = QMimeDatabase()
                              .mimeTypeForFile(resource, QMimeDatabase::MatchExtension)
                              .name()
                              .toUtf8();
        if (type.startsWith("text/") || type == "application/javascript" ||
            type == "application/json" || type == "image/svg+xml")
            type += "; charset=utf-8";
        return {200, type, file.readAll(), {}};
    }
    if (relative == u"/index.html")
        return {200,
                QByteArrayLiteral("text/html; charset=utf-8"),
                QByteArrayLiteral("<!doctype html><html><head><meta charset=\"utf-8\"><title>"
                                  "Realtime AI</title></head><body><h1>Realtime AI</h1><p>The "
                                  "web client is not built into this binary. Connect a "
                                  "WebSocket client to <code>/ws/session/{session_id}?user_id="
                                  "{user_id}</code>.</p></body></html>"),
                {}};
    return error(404, QStringLiteral("not_found"),
                 QStringLiteral("no such page: %1; see PROTOCOL.md for the routes").arg(path));
}

HttpServer::Reply HttpServer::ready() const {
    QJsonArray reasons;
    if (!m_notReadyReason.isEmpty())
        reasons.append(m_notReadyReason);
    if (!m_database->isHealthy())
        reasons.append(QStringLiteral("database: not usable (%1); check DATABASE_URL and that the "
                                      "database server is running")
                           .arg(m_database->backendName()));
    if (!m_llmProblem.isEmpty())
        reasons.append(QStringLiteral("llm: %1").arg(m_llmProblem));
    if (reasons.isEmpty())
        return json(200, {{QStringLiteral("status"), QStringLiteral("ready")}});
    QJsonObject body = JsonFormat::error(QStringLiteral("not_ready"), reasons.first().toString());
    body.insert(QStringLiteral("status"), QStringLiteral("not_ready"));
    body.insert(QStringLiteral("reasons"), reasons);
    return json(503, body);
}

bool HttpServer::authorized(const QHttpServerRequest &request) const {
    return ApiCredentials::authorized(request.value(QByteArrayLiteral("authorization")),
                                      request.url(), m_apiToken);
}

void HttpServer::handleApi(const QHttpServerRequest &request, QTcpSocket *socket,
                           const QString &path) {
    const QStringList parts = path.split(u'/', Qt::SkipEmptyParts); // api, sessions, id, events
    const auto method = request.method();
    const QUrlQuery query(request.url());
    auto notAllowed = [&](const QByteArray &allow) {
        Reply reply =
            error(405, QStringLiteral("method_not_allowed"),
                  QStringLiteral("%1 answers %2 only").arg(path, QString::fromUtf8(allow)));
        reply.headers.append({QByteArrayLiteral("Allow"), allow});
        send(socket, reply);
    };
    if (parts.size() < 2 || parts.size() > 4 || parts.at(1) != u"sessions" ||
        (parts.size() == 4 && parts.at(3) != u"events")) {
        send(socket, error(404, QStringLiteral("not_found"),
                           QStringLiteral("no such API route: %1; see PROTOCOL.md").arg(path)));
        return;
    }
    if (parts.size() == 2) {
        if (method != QHttpServerRequest::Method::Get)
            return notAllowed(QByteArrayLiteral("GET"));
        return listSessions(query, socket);
    }
    const QUuid id = Ids::parseSessionId(parts.at(2));
    if (id.isNull()) {
        send(socket, error(400, QStringLiteral("bad_request"),
                           QStringLiteral("%1 is not a session id; session ids are UUIDs such as "
                                          "123e4567-e89b-12d3-a456-426614174000")
                               .arg(parts.at(2))));
        return;
    }
    if (parts.size() == 4) {
        if (method != QHttpServerRequest::Method::Get)
            return notAllowed(QByteArrayLiteral("GET"));
        return listEvents(id, query, socket);
    }
    if (method == QHttpServerRequest::Method::Get)
        return getSession(id, socket);
    if (method == QHttpServerRequest::Method::Delete)
        return deleteSession(id, socket);
    notAllowed(QByteArrayLiteral("GET, DELETE"));
}

void HttpServer::listSessions(const QUrlQuery &query, QTcpSocket *socket) {
    SessionQuery sessionQuery;
    QString problem;
    if (query.hasQueryItem(QStringLiteral("user_id"))) {
        sessionQuery.userId = query.queryItemValue(QStringLiteral("user_id"), QUrl::FullyDecoded);
        if (!Ids::isValidUserId(sessionQuery.userId))
            problem =
                QStringLiteral("user_id must have 1 to %1 characters").arg(Ids::kMaxUserIdLength);
    }
    const QString status = query.queryItemValue(QStringLiteral("status"));
    if (status == u"active")
        sessionQuery.status = SessionQuery::Status::Active;
    else if (status == u"ended")
        sessionQuery.status = SessionQuery::Status::Ended;
    else if (!status.isEmpty() && status != u"any")
        problem = QStringLiteral("status must be active, ended or any, not %1").arg(status);
    if (const auto limit = intParam(query, QStringLiteral("limit"), kDefaultSessionsPage, 1,
                                    kMaxSessionsPage, &problem))
        sessionQuery.limit = int(*limit);
    if (query.hasQueryItem(QStringLiteral("before"))) {
        const QString before = query.queryItemValue(QStringLiteral("before"), QUrl::FullyDecoded);
        sessionQuery.before = Timestamps::fromIso(before);
        if (!sessionQuery.before.isValid())
            problem = QStringLiteral("before must be an ISO 8601 time such as "
                                     "2026-11-24T14:48:18.123Z (the next_before of a page)");
    }
    if (!problem.isEmpty()) {
        send(socket, error(400, QStringLiteral("bad_request"), problem));
        return;
    }
    QPointer<QTcpSocket> guard(socket);
    const auto answerError = databaseErrorReply(guard);
    whenFinished(
        this, m_database->sessions(sessionQuery),
        [this, guard](const SessionPage &page) {
            if (!guard)
                return;
            QJsonArray sessions;
            for (const Session &session : page.sessions)
                sessions.append(RecordJson::session(session));
            send(guard, json(200, {{QStringLiteral("sessions"), sessions},
                                   {QStringLiteral("next_before"),
                                    page.nextBefore.isValid()
                                        ? QJsonValue(Timestamps::toIso(page.nextBefore))
                                        : QJsonValue(QJsonValue::Null)}}));
        },
        answerError);
}

void HttpServer::getSession(const QUuid &id, QTcpSocket *socket) {
    QPointer<QTcpSocket> guard(socket);
    const auto answerError = databaseErrorReply(guard);
    whenFinished(
        this, m_database->session(id),
        [this, guard, id](const std::optional<Session> &session) {
            if (!guard)
                return;
            if (!session)
                send(guard, sessionNotFound(id));
            else
                send(guard, json(200, RecordJson::session(*session)));
        },
        answerError);
}

void HttpServer::listEvents(const QUuid &id, const QUrlQuery &query, QTcpSocket *socket) {
    QString problem;
    const auto afterId = intParam(query, QStringLiteral("after_id"), 0, 0,
                                  std::numeric_limits<qint64>::max(), &problem);
    const auto limit =
        intParam(query, QStringLiteral("limit"), kMaxEventsPage, 1, kMaxEventsPage, &problem);
    if (!afterId || !limit) {
        send(socket, error(400, QStringLiteral("bad_request"), problem));
        return;
    }
    QPointer<QTcpSocket> guard(socket);
    const auto answerError = databaseErrorReply(guard);
    // The session lookup tells an unknown session (404) from one without events.
    whenFinished(
        this, m_database->session(id),
        [this, guard, answerError, id, after = *afterId,
         count = int(*limit)](const std::optional<Session> &session) {
            if (!guard)
                return;
            if (!session) {
                send(guard, sessionNotFound(id));
                return;
            }
            whenFinished(
                this, m_database->events(id, after, count),
                [this, guard](const QList<Event> &events) {
                    if (!guard)
                        return;
                    QJsonArray array;
                    for (const Event &event : events)
                        array.append(RecordJson::event(event));
                    send(guard, json(200, {{QStringLiteral("events"), array}}));
                },
                answerError);
        },
        answerError);
}

void HttpServer::deleteSession(const QUuid &id, QTcpSocket *socket) {
    const std::optional<QFuture<bool>> removal = m_sessions->remove(id);
    if (!removal) {
        send(socket, error(409, QStringLiteral("conflict"),
                           QStringLiteral("session %1 is live; end it (disconnect its client) "
                                          "before deleting it")
                               .arg(Ids::toText(id))));
        return;
    }
    QPointer<QTcpSocket> guard(socket);
    const auto answerError = databaseErrorReply(guard);
    whenFinished(
        this, *removal,
        [this, guard, id](bool deleted) {
            if (!guard)
                return;
            if (!deleted)
                send(guard, sessionNotFound(id));
            else
                send(guard, json(200, {{QStringLiteral("deleted"), Ids::toText(id)}}));
        },
        answerError);
}
