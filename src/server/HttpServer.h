#pragma once

#include <QAbstractHttpServer>
#include <QByteArray>
#include <QList>
#include <QPair>
#include <QPointer>
#include <QString>
#include <QTcpSocket>
#include <functional>

class Database;
class MetricsRegistry;
class QUrlQuery;
class SessionManager;
class SessionService;

// One port for everything (PROTOCOL.md): the web client (`/`, `/assets/…` from the Qt resources
// under :/web), the REST API under /api, /healthz, /readyz, /metrics, and WebSocket upgrades of
// /ws/… which Qt's internal QWebSocketServer performs and hands to the SessionManager.
//
// Responses are written to the socket directly rather than through QHttpServerResponder, because
// most of them wait for the database thread and a responder must not outlive its request.
class HttpServer : public QAbstractHttpServer {
    Q_OBJECT

public:
    HttpServer(Database *database, MetricsRegistry *metrics, SessionService *sessions,
               SessionManager *connections, QObject *parent = nullptr);

    // When set, /api and /metrics require `Authorization: Bearer <token>` (or ?token=).
    void setApiToken(const QString &token);
    // Whether the server is ready apart from the database and the LLM (e.g. still starting).
    void setAcceptingReason(const QString &notReadyReason);
    // Why the LLM cannot answer yet (not configured, local model loading or failed); empty: usable.
    void setLlmProblem(const QString &problem);
    // Closes the listening sockets; open connections are left alone.
    void stopListening();

    struct Reply {
        int status = 200;
        QByteArray contentType;
        QByteArray body;
        QList<QPair<QByteArray, QByteArray>> headers;
    };
    static Reply json(int status, const class QJsonObject &body);
    static Reply error(int status, const QString &code, const QString &message);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    void send(QTcpSocket *socket, const Reply &reply);
    static Reply sessionNotFound(const class QUuid &id);
    // Answers 503 database_unavailable to a failed database request, if the client is still there.
    std::function<void(const QString &)> databaseErrorReply(QPointer<QTcpSocket> socket);
    Reply serveStatic(const QString &path) const;
    Reply ready() const;
    bool authorized(const QHttpServerRequest &request) const;
    void handleApi(const QHttpServerRequest &request, QTcpSocket *socket, const QString &path);
    void listSessions(const QUrlQuery &query, QTcpSocket *socket);
    void getSession(const class QUuid &id, QTcpSocket *socket);
    void listEvents(const QUuid &id, const QUrlQuery &query, QTcpSocket *socket);
    void deleteSession(const QUuid &id, QTcpSocket *socket);

    Database *m_database;
    MetricsRegistry *m_metrics;
    SessionService *m_sessions;
    SessionManager *m_connections;
    QString m_apiToken;
    QString m_notReadyReason;
    QString m_llmProblem;
};
