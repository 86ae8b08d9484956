#pragma once

#include "chat/ChatSettings.h"
#include "core/Event.h"
#include "server/SessionSocket.h"

#include <QHash>
#include <QJsonArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUuid>
#include <memory>
#include <optional>

class Conversation;
class Database;
class LlmClient;
class MetricsRegistry;
class QWebSocket;
class SummaryScheduler;
class ToolRegistry;
struct Session;

// The live sessions: one Conversation per session in memory, served by at most one
// SessionSocket at a time (a newer connection replaces the older one with close code 4000).
//
// Disconnect policy: when the client goes away while a turn runs, the turn finishes and is
// stored (the user sees it in `history` when they come back); once the Conversation is idle the
// session ends (end_time, session_end event) and its summary job is scheduled. A client that
// reconnects before that simply resumes the live session.
class SessionManager : public QObject {
    Q_OBJECT

public:
    SessionManager(Database *database, LlmClient *llm, ToolRegistry *tools,
                   MetricsRegistry *metrics, SummaryScheduler *summaries,
                   const ChatSettings &chatSettings, const SessionSocket::Limits &limits,
                   QObject *parent = nullptr);
    ~SessionManager() override;

    // When set, clients must present it (Authorization: Bearer or ?token=); else close 1008.
    void setApiToken(const QString &token);
    void setLimits(const SessionSocket::Limits &limits);

    // Takes an upgraded connection of /ws/session/{id}?user_id=….
    void accept(std::unique_ptr<QWebSocket> socket);

    QList<QUuid> sessionIds() const;
    Conversation *conversation(const QUuid &sessionId) const;
    QString userId(const QUuid &sessionId) const;
    int connectionCount() const { return m_connections; }

    // Closes the client with 1000 and `reason`, cancels its turn and ends the session (summary
    // job included). False when the session is not live.
    bool endSession(const QUuid &sessionId, const QString &reason);

    // Server shutdown: refuses new connections (1001), cancels every turn (partial replies are
    // stored as interrupted), ends every session without scheduling summaries (the scheduler
    // finds them at the next start) and closes every client with 1001. Emits shutdownFinished
    // once the sockets are closed or after a bounded wait.
    void shutdown();

Q_SIGNALS:
    void sessionOpened(const QUuid &sessionId, const QString &userId, Conversation *conversation);
    void sessionClosed(const QUuid &sessionId);
    void connectionCountChanged(int count);
    void shutdownFinished();

private:
    struct Live {
        QUuid id;
        QString userId;
        Conversation *conversation = nullptr;
        QPointer<SessionSocket> socket;
        QJsonArray history; // {role, content, created_at} of every user and assistant message
        bool ending = false;
        bool summarize = true;
    };
    struct Opening {
        QList<QPointer<SessionSocket>> sockets;
        QString owner; // user_id stored for the session; empty while unknown
    };

    void open(SessionSocket *socket);
    void onLookup(const QUuid &id, const std::optional<Session> &stored);
    void loadEvents(const QUuid &id, qint64 afterId, QList<Event> loaded);
    // `owner` by value: the Opening it comes from is removed inside.
    void createLive(const QUuid &id, QString owner, bool resumed, const QList<Event> &events);
    void failOpening(const QUuid &id, const QString &message);
    void attach(Live *live, SessionSocket *socket, bool resumed);
    void onSocketClosed(SessionSocket *socket, int code);
    void endWhenIdle(Live *live);
    void end(Live *live);
    void updateGauges();
    Live *findBySocket(SessionSocket *socket) const;

    Database *m_database;
    LlmClient *m_llm;
    ToolRegistry *m_tools;
    MetricsRegistry *m_metrics;
    SummaryScheduler *m_summaries;
    ChatSettings m_chatSettings;
    SessionSocket::Limits m_limits;
    QString m_apiToken;
    QHash<QUuid, Live *> m_live;
    QHash<QUuid, Opening> m_opening;
    QList<QPointer<SessionSocket>> m_sockets;
    int m_connections = 0;
    bool m_shuttingDown = false;
};
