#pragma once

#include "server/AdminApi.h"
#include "server/ClientIdentity.h"
#include "server/ConnectionWatchdog.h"
#include "server/HttpReply.h"
#include "server/RequestGuard.h"

#include <QAbstractHttpServer>
#include <QHostAddress>
#include <QPointer>
#include <QString>
#include <QTcpSocket>

class AdminApi;
class AdminFeed;
class Authenticator;
class Database;
class MetricsRegistry;
class Readiness;
class SessionRouter;
class SessionsApi;

// One port for everything (PROTOCOL.md): the web client (`/`, `/assets/…` from the Qt resources
// under :/web), the REST API under /api (SessionsApi), /healthz, /readyz, /metrics, and WebSocket
// upgrades of /ws/… which Qt's internal QWebSocketServer performs and hands to the
// SessionRouter (which takes each to its session's network thread).
//
// Responses are written to the socket directly rather than through QHttpServerResponder, because
// most of them wait for the database thread and a responder must not outlive its request.
class HttpServer : public QAbstractHttpServer {
    Q_OBJECT

public:
    // /readyz answers what `readiness` says.
    HttpServer(Database *database, MetricsRegistry *metrics, SessionRouter *sessions,
               const Readiness *readiness, QObject *parent = nullptr);

    // Which Host and Origin headers are accepted (RequestGuard); set once the port is known.
    void setRequestGuard(const RequestGuard &guard);
    // The deadlines, keepalive and per-address caps of its connections (ConnectionWatchdog).
    void setConnectionSettings(const ConnectionWatchdog::Settings &settings);
    // Who each /api and /metrics request is (README, "Security"); without one, or while it has
    // nothing configured, they are open. /metrics needs the admin.
    void setAuthenticator(Authenticator *authenticator);
    // The admin API's writing actions and LLM description (AdminApi), and the admin feed's
    // buffer cap (limits/max_client_buffer_bytes, as for chat clients).
    void setAdminSettings(const AdminApi::Settings &settings, qint64 maxFeedBufferBytes);
    AdminFeed *adminFeed() const { return m_adminFeed; }
    // Listens on address:port (0: any free port) with a backlog deep enough for thousands of
    // clients connecting at once (Qt's default of 50 drops their SYNs, and they retry for
    // seconds); returns the port bound, 0 on failure.
    quint16 listenOn(const QHostAddress &address, quint16 port);
    // Closes the listening sockets; open connections are left alone.
    void stopListening();

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    void send(QTcpSocket *socket, const HttpReply &reply);
    HttpReply serveStatic(const QString &path) const;
    HttpReply ready() const;
    ClientIdentity identify(const QHttpServerRequest &request) const;
    void sendUnauthorized(QTcpSocket *socket, const ClientIdentity &who);
    // The admin feed's upgrade: true when Qt may upgrade it (authorized), otherwise answered
    // (401, 403) and closed.
    bool admitAdminFeed(const QHttpServerRequest &request, QTcpSocket *socket);

    Database *m_database;
    MetricsRegistry *m_metrics;
    SessionRouter *m_sessions;
    const Readiness *m_readiness;
    SessionsApi *m_api;
    AdminFeed *m_adminFeed;
    AdminApi *m_adminApi;
    ConnectionWatchdog *m_watchdog;
    RequestGuard m_guard;
    QPointer<Authenticator> m_authenticator;
};
