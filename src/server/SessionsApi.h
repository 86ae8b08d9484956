#pragma once

#include "server/HttpReply.h"

#include <QHttpServerRequest>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QUuid>
#include <functional>

class Database;
class QUrlQuery;
class SessionService;

// The REST API of PROTOCOL.md under /api: a route table of the session resources and their
// handlers, answering from the database thread. Authorization is HttpServer's.
class SessionsApi : public QObject {
    Q_OBJECT

public:
    using Send = std::function<void(QTcpSocket *socket, const HttpReply &reply)>;

    SessionsApi(Database *database, SessionService *sessions, Send send, QObject *parent = nullptr);

    void handle(const QHttpServerRequest &request, QTcpSocket *socket);

private:
    using Method = QHttpServerRequest::Method;
    struct Route;

    void listSessions(const QUrlQuery &query, QTcpSocket *socket);
    void getSession(const QUuid &id, QTcpSocket *socket);
    void listEvents(const QUuid &id, const QUrlQuery &query, QTcpSocket *socket);
    void deleteSession(const QUuid &id, QTcpSocket *socket);
    // Sends `reply` if the client is still there.
    void answer(const QPointer<QTcpSocket> &socket, const HttpReply &reply);
    // Answers 503 database_unavailable to a failed database request.
    std::function<void(const QString &)> databaseError(const QPointer<QTcpSocket> &socket);

    Database *m_database;
    SessionService *m_sessions;
    Send m_send;
};
