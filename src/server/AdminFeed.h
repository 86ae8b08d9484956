#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QTimer>
#include <QUuid>
#include <memory>

class ConversationFeed;
class QTcpSocket;
class QWebSocket;
class SessionRouter;

// The admin event feed (PROTOCOL.md, Admin API): WebSocket clients of /api/admin/events, on the
// main thread, told of every session opened and closed and of each live session's turns (user
// message, content batched every kContentBatchMs, tool calls, the reply's end, stored events).
// It asks the SessionRouter for conversation feeds only while it has a client, so a headless
// server without one relays no per-token traffic to the main thread. A client with more than
// maxBufferedBytes unread when a frame is due is closed with 4008 and dropped (so it holds at
// most that and one frame).
class AdminFeed : public QObject {
    Q_OBJECT

public:
    static constexpr int kContentBatchMs = 100;

    AdminFeed(SessionRouter *sessions, QObject *parent = nullptr);
    ~AdminFeed() override;

    void setMaxBufferedBytes(qint64 bytes) { m_maxBufferedBytes = bytes; }
    void setRemoteControl(bool enabled) { m_remoteControl = enabled; }

    // Takes an upgraded, authorized connection and the TCP socket under it (deleted with it).
    void accept(std::unique_ptr<QWebSocket> socket, QTcpSocket *tcpSocket, const QString &peer);
    int clientCount() const { return int(m_clients.size()); }
    // Closes every client with `code` (the server stopping: 1001).
    void closeAll(int code, const QString &reason);

private:
    struct Client {
        QWebSocket *socket = nullptr;
        QString peer;
    };

    // Relays the feed's conversation; `announce`: with a `following` frame (a session that was
    // live before).
    void follow(const QUuid &sessionId, ConversationFeed *feed, bool announce);
    void broadcast(const QJsonObject &frame);
    // Content first: a session's frames keep their order.
    void broadcastForSession(const QUuid &sessionId, const QJsonObject &frame);
    void flushContent(const QUuid &sessionId);
    void flushAllContent();
    void send(const Client &client, const QByteArray &frame);
    bool isClient(const QWebSocket *socket) const;
    // Forgets a client (and deletes its socket, later).
    void drop(QWebSocket *socket);
    void releaseFeedsIfIdle();

    SessionRouter *m_sessions;
    QList<Client> m_clients;
    QSet<QUuid> m_followed;
    QHash<QUuid, QString> m_pendingContent;
    QList<QUuid> m_pendingOrder;
    QTimer m_batch;
    qint64 m_maxBufferedBytes = 256 * 1024;
    bool m_remoteControl = false;
    bool m_subscribed = false; // the router makes feeds for us
};
