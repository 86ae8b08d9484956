#pragma once

#include "core/Event.h"
#include "server/SessionSocket.h"
#include "server/UsageLimits.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QUuid>
#include <memory>

class Authenticator;
class LlmClient;
class MetricsRegistry;
class QTimer;
class QWebSocket;
class SessionService;

// The session WebSocket connections: authorizes them, opens their sessions through the
// SessionService, serves each live session with at most one SessionSocket at a time (a newer
// connection replaces the older one with close code 4000) and tells the service when a
// session's client is gone. A session's life follows its socket in every path: a client that
// leaves while its session is still opening, or whose connection was gone before it was taken,
// ends the session too. A periodic check (Limits::consistencyCheckMs) compares live sessions
// with open connections and repairs (logs, ends, counts in rtai_session_repairs_total) any
// session no connection holds.
class SessionManager : public QObject {
    Q_OBJECT

public:
    // `usage` is shared with the SessionManagers of the other network threads.
    SessionManager(SessionService *sessions, LlmClient *llm, MetricsRegistry *metrics,
                   UsageLimits *usage, const SessionSocket::Limits &limits,
                   QObject *parent = nullptr);

    // Who each connection is (README, "Security"): refused ones are closed with 1008, and a
    // client bound to one user may open only that user's sessions (4403). Without one: open.
    void setAuthenticator(Authenticator *authenticator);
    void setLimits(const SessionSocket::Limits &limits);

    // Takes an upgraded connection of /ws/session/{id}?user_id=….
    void accept(std::unique_ptr<QWebSocket> socket, const QString &peer);

    int connectionCount() const { return m_connections; }

    // Compares the live sessions held by a client with the connections serving them; a session
    // that no open connection serves is let go (it ends once its turn is stored) and counted as
    // a repair. Runs every Limits::consistencyCheckMs; returns the number of repairs.
    int checkConsistency();

    // Closes the client with 1000 and `reason`, cancels its turn and ends the session (summary
    // job included). False when the session is not live.
    bool endSession(const QUuid &sessionId, const QString &reason);

    // Server shutdown: refuses new connections (1001), cancels every turn (partial replies are
    // stored as interrupted), ends every session without scheduling summaries (the scheduler
    // finds them at the next start) and closes every client with 1001. Emits shutdownFinished
    // once the sockets are closed or after a bounded wait.
    void shutdown();

Q_SIGNALS:
    void connectionCountChanged(int count);
    void shutdownFinished();

private:
    // Applies the identity's user to the socket's user_id; false (and the socket refused with
    // 4403) when the URL names another user.
    bool adoptUser(SessionSocket *socket, const ClientIdentity &who);
    void open(SessionSocket *socket);
    void attach(const QUuid &id, SessionSocket *socket, Conversation *conversation, bool resumed,
                const QList<Event> &history);
    void onSocketClosed(SessionSocket *socket, int code);
    void release(const QUuid &id);
    void countRateLimited(const QString &limit);
    void countConnection(int change);

    SessionService *m_sessions;
    LlmClient *m_llm;
    MetricsRegistry *m_metrics;
    SessionSocket::Limits m_limits;
    // Connections and messages per user and address, tokens per user. Over a limit, a
    // connection is closed with 4429, a message answered with error rate_limited.
    UsageLimits *m_usage;
    QSet<SessionSocket *> m_countedConnections; // those m_usage admitted
    QPointer<Authenticator> m_authenticator;
    QTimer *m_checkTimer;
    QHash<QUuid, QPointer<SessionSocket>> m_served; // the socket serving each live session
    QList<QPointer<SessionSocket>> m_sockets;
    int m_connections = 0;
    bool m_shuttingDown = false;
};
