#include "server/HttpServer.h"

#include "core/FutureCallbacks.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "core/MetricsRegistry.h"
#include "core/Readiness.h"
#include "core/RecordJson.h"
#include "core/Timestamps.h"
#include "server/AdminFeed.h"
#include "server/Authenticator.h"
#include "server/GuardedTcpServer.h"
#include "server/Protocol.h"
#include "server/ServerMetrics.h"
#include "server/SessionRouter.h"
#include "server/SessionsApi.h"
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

using namespace Qt::StringLiterals;

namespace {

// The configured origin a socket's current request came from, for the CORS headers of its
// reply (which SessionsApi may send later, from the database's answer).
constexpr char kCorsOrigin[] = "rtai_cors_origin";

const QString kAdminFeedPath = u"/api/admin/events"_s;

bool isUpgrade(const QHttpServerRequest &request) {
    return request.value(QByteArrayLiteral("upgrade")).compare("websocket", Qt::CaseInsensitive) ==
           0;
}

} // namespace

HttpServer::HttpServer(Database *database, MetricsRegistry *metrics, SessionRouter *sessions,
                       const Readiness *readiness, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_database(database)
    , m_metrics(metrics)
    , m_sessions(sessions)
    , m_readiness(readiness)
    , m_api(new SessionsApi(
          database, sessions,
          [this](QTcpSocket *socket, const HttpReply &reply) { send(socket, reply); }, this))
    , m_adminFeed(new AdminFeed(sessions, this))
    , m_adminApi(new AdminApi(
          database, metrics, sessions, readiness, m_adminFeed,
          [this](QTcpSocket *socket, const HttpReply &reply) { send(socket, reply); }, this))
    , m_watchdog(new ConnectionWatchdog(metrics, this)) {
    connect(this, &QAbstractHttpServer::newWebSocketConnection, this, [this] {
        while (hasPendingWebSocketConnections()) {
            std::unique_ptr<QWebSocket> socket = nextPendingWebSocketConnection();
            ConnectionWatchdog::Upgraded upgraded = m_watchdog->upgraded(socket.get());
            // Reset during its handshake: which TCP socket was its is only a guess, and it may
            // be another upgrade's. Nothing is moved; the router drops the connection.
            if (socket->peerAddress().isNull())
                upgraded = {upgraded.peer, nullptr, nullptr};
            // The admin feed stays on this thread (admitAdminFeed authorized it).
            if (socket->requestUrl().path() == kAdminFeedPath) {
                m_adminFeed->accept(std::move(socket), upgraded.socket, upgraded.peer);
                continue;
            }
            m_sessions->accept(std::move(socket), upgraded);
        }
    });
}

void HttpServer::setConnectionSettings(const ConnectionWatchdog::Settings &settings) {
    m_watchdog->setSettings(settings);
}

void HttpServer::setRequestGuard(const RequestGuard &guard) {
    m_guard = guard;
}

void HttpServer::setAdminSettings(const AdminApi::Settings &settings, qint64 maxFeedBufferBytes) {
    m_adminApi->setSettings(settings);
    m_adminFeed->setRemoteControl(settings.allowRemoteControl);
    m_adminFeed->setMaxBufferedBytes(maxFeedBufferBytes);
}

void HttpServer::setAuthenticator(Authenticator *authenticator) {
    m_authenticator = authenticator;
}

quint16 HttpServer::listenOn(const QHostAddress &address, quint16 port) {
    constexpr int kListenBacklog = 4096; // the kernel caps it at net.core.somaxconn
    auto *server = new GuardedTcpServer(m_watchdog, this);
    server->setListenBacklogSize(kListenBacklog);
    if (!server->listen(address, port)) {
        delete server;
        return 0;
    }
    bind(server);
    return server->serverPort();
}

void HttpServer::stopListening() {
    for (QTcpServer *server : servers())
        server->close();
}

bool HttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) {
    m_watchdog->requestReceived(socket);
    const QString path = request.url().path();
    const auto method = request.method();
    const RequestGuard::Verdict verdict = m_guard.check(RequestGuard::Request::from(request));
    socket->setProperty(kCorsOrigin, verdict.corsOrigin);
    if (verdict.answer) {
        send(socket, *verdict.answer);
        if (verdict.logLine.isEmpty())
            return true;
        qCWarning(lcServer).noquote()
            << verdict.logLine << "- from" << request.remoteAddress().toString() << path;
        // Returning false is the only way to keep Qt 6.4 from upgrading a WebSocket request (it
        // then also logs "qt.httpserver: WebSocket received but no slots connected…");
        // missingHandler sees the closing socket and writes nothing more.
        socket->disconnectFromHost();
        return false;
    }
    if (path.startsWith(u"/ws/")) {
        if (request.value(QByteArrayLiteral("upgrade")).compare("websocket", Qt::CaseInsensitive) ==
            0) {
            // Streamed tokens are small frames: send each at once instead of coalescing them.
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            m_watchdog->upgrading(socket);
            return true; // QAbstractHttpServer hands the socket to its QWebSocketServer
        }
        send(socket, HttpReply::error(426, Protocol::Error::UpgradeRequired,
                                      u"%1 is a WebSocket endpoint; connect with a WebSocket "
                                      "client"_s.arg(path)));
        return true;
    }
    if (path == kAdminFeedPath && isUpgrade(request))
        return admitAdminFeed(request, socket);
    if (path.startsWith(u"/api/") || path == u"/api") {
        const ClientIdentity who = identify(request);
        if (who.isRefused()) {
            sendUnauthorized(socket, who);
            return true;
        }
        if (AdminApi::owns(path))
            m_adminApi->handle(request, socket, who);
        else
            m_api->handle(request, socket, who);
        return true;
    }
    if (method != QHttpServerRequest::Method::Get) {
        HttpReply reply = HttpReply::error(405, Protocol::Error::MethodNotAllowed,
                                           u"%1 only answers GET"_s.arg(path));
        reply.headers.append({QByteArrayLiteral("Allow"), QByteArrayLiteral("GET")});
        send(socket, reply);
        return true;
    }
    if (path == u"/healthz") {
        send(socket, HttpReply::json(200, {{u"status"_s, u"ok"_s}}));
    } else if (path == u"/readyz") {
        send(socket, ready());
    } else if (path == u"/metrics") {
        const ClientIdentity who = identify(request);
        if (who.isRefused()) {
            sendUnauthorized(socket, who);
            return true;
        }
        if (!who.seesEveryUser()) {
            send(socket, HttpReply::error(403, Protocol::Error::Forbidden,
                                          u"/metrics needs the admin credential: the API token "
                                          "or a JWT with the admin role"_s));
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
    // Reached for WebSocket upgrades Qt refused before asking handleRequest, and for requests
    // handleRequest refused and closed.
    if (socket->state() != QAbstractSocket::ConnectedState)
        return;
    send(socket, HttpReply::error(400, Protocol::Error::BadRequest,
                                  u"cannot serve %1"_s.arg(request.url().path())));
}

void HttpServer::send(QTcpSocket *socket, const HttpReply &reply) {
    const QByteArray corsOrigin = socket->property(kCorsOrigin).toByteArray();
    if (corsOrigin.isEmpty()) {
        socket->write(reply.serialize());
    } else {
        HttpReply withCors = reply;
        withCors.headers.append(RequestGuard::corsHeaders(corsOrigin));
        socket->write(withCors.serialize());
    }
    m_metrics->increment(ServerMetrics::HttpRequests,
                         {{u"status"_s, QString::number(reply.status)}});
}

HttpReply HttpServer::serveStatic(const QString &path) const {
    const QString cleaned = QDir::cleanPath(path);
    const QString relative = cleaned == u"/" ? u"/index.html"_s : cleaned;
    const QString resource = u":/web"_s + relative;
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
    return HttpReply::error(404, Protocol::Error::NotFound,
                            u"no such page: %1; see PROTOCOL.md for the routes"_s.arg(path));
}

HttpReply HttpServer::ready() const {
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QJsonArray reasons = QJsonArray::fromStringList(m_readiness->reasons(now));
    const std::optional<Readiness::Check> check = m_readiness->lastCheck(Readiness::Part::Llm);
    const QJsonObject llm{
        {u"ready"_s, m_readiness->problem(Readiness::Part::Llm).isEmpty()},
        {u"reachable"_s, check ? QJsonValue(check->passed) : QJsonValue()},
        {u"checked_ago_s"_s,
         check ? QJsonValue(Readiness::secondsAgo(check->at, now)) : QJsonValue()}};
    const qint64 leaseAge = m_database->msSinceLeaseRenewal();
    const QJsonObject instance{
        {u"id"_s, m_database->instanceId()},
        {u"lease_held"_s, m_database->holdsLease()},
        {u"lease_age_ms"_s, leaseAge < 0 ? QJsonValue() : QJsonValue(double(leaseAge))}};
    if (reasons.isEmpty())
        return HttpReply::json(
            200, {{u"status"_s, u"ready"_s}, {u"llm"_s, llm}, {u"instance"_s, instance}});
    QJsonObject body = Protocol::errorBody(Protocol::Error::NotReady, reasons.first().toString());
    body.insert(u"status"_s, u"not_ready"_s);
    body.insert(u"reasons"_s, reasons);
    body.insert(u"llm"_s, llm);
    body.insert(u"instance"_s, instance);
    return HttpReply::json(503, body);
}

ClientIdentity HttpServer::identify(const QHttpServerRequest &request) const {
    if (!m_authenticator)
        return {};
    return m_authenticator->identify(request.value(QByteArrayLiteral("authorization")),
                                     request.url());
}

bool HttpServer::admitAdminFeed(const QHttpServerRequest &request, QTcpSocket *socket) {
    const ClientIdentity who = identify(request);
    QString refusal;
    if (who.isRefused()) {
        sendUnauthorized(socket, who);
        refusal = who.reason;
    } else if (refusal = AdminApi::readRefusal(who); !refusal.isEmpty()) {
        send(socket, HttpReply::error(403, Protocol::Error::Forbidden, refusal));
    } else {
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_watchdog->upgrading(socket);
        return true;
    }
    qCInfo(lcServer).noquote() << "admin feed from" << request.remoteAddress().toString()
                               << "refused:" << refusal;
    // As for a refused upgrade above: false keeps Qt 6.4 from upgrading it.
    socket->disconnectFromHost();
    return false;
}

void HttpServer::sendUnauthorized(QTcpSocket *socket, const ClientIdentity &who) {
    HttpReply reply = HttpReply::error(401, Protocol::Error::Unauthorized,
                                       u"not authorized: %1"_s.arg(who.reason));
    reply.headers.append({QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer")});
    send(socket, reply);
}
