#pragma once

#include "server/ClientIdentity.h"
#include "server/HttpReply.h"

#include <QHttpServerRequest>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QUuid>
#include <functional>

class Database;
struct SessionQuery;
class QUrlQuery;
class SessionRouter;

// The REST API of PROTOCOL.md under /api: a route table of the session resources and their
// handlers, answering from the database thread. Who the client is, is HttpServer's to decide
// (Authenticator); a client bound to one user sees only that user's sessions, and another
// user's are not found (404) for it.
class SessionsApi : public QObject {
    Q_OBJECT

public:
    using Send = std::function<void(QTcpSocket *socket, const HttpReply &reply)>;

    SessionsApi(Database *database, SessionRouter *sessions, Send send, QObject *parent = nullptr);

    void handle(const QHttpServerRequest &request, QTcpSocket *socket, const ClientIdentity &who);

private:
    using Method = QHttpServerRequest::Method;
    struct Route;

    void listSessions(const QUrlQuery &query, const ClientIdentity &who, QTcpSocket *socket);
    // listSessions with q: a full-text search, `listQuery` holding its user and before, and
    // `problem` what listSessions found wrong so far.
    void searchSessions(const QUrlQuery &query, const SessionQuery &listQuery, QString problem,
                        QTcpSocket *socket);
    void getSession(const QUuid &id, const ClientIdentity &who, QTcpSocket *socket);
    void listEvents(const QUuid &id, const QUrlQuery &query, const ClientIdentity &who,
                    QTcpSocket *socket);
    void renameSession(const QUuid &id, const QByteArray &body, const ClientIdentity &who,
                       QTcpSocket *socket);
    void deleteSession(const QUuid &id, const ClientIdentity &who, QTcpSocket *socket);
    void removeSession(const QUuid &id, QTcpSocket *socket);
    // Sends `reply` if the client is still there.
    void answer(const QPointer<QTcpSocket> &socket, const HttpReply &reply);
    // Answers 503 database_unavailable to a failed database request.
    std::function<void(const QString &)> databaseError(const QPointer<QTcpSocket> &socket);

    Database *m_database;
    SessionRouter *m_sessions;
    Send m_send;
};
