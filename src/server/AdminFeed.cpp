#include "server/AdminFeed.h"

#include "chat/ConversationFeed.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "core/RecordJson.h"
#include "server/Protocol.h"
#include "server/SessionRouter.h"

#include <QJsonArray>
#include <QTcpSocket>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace {

constexpr quint64 kMaxIncomingBytes = 4096;

} // namespace

AdminFeed::AdminFeed(SessionRouter *sessions, QObject *parent)
    : QObject(parent)
    , m_sessions(sessions) {
    m_batch.setSingleShot(true);
    m_batch.setInterval(kContentBatchMs);
    connect(&m_batch, &QTimer::timeout, this, &AdminFeed::flushAllContent);
    connect(m_sessions, &SessionRouter::sessionOpened, this,
            [this](const QUuid &id, const QString &userId, ConversationFeed *feed) {
                if (!m_subscribed)
                    return;
                broadcast(Protocol::sessionOpenedFrame(id, userId));
                follow(id, feed, false);
            });
    connect(m_sessions, &SessionRouter::feedAttached, this,
            [this](const QUuid &id, ConversationFeed *feed) {
                if (m_subscribed)
                    follow(id, feed, true);
            });
    connect(m_sessions, &SessionRouter::sessionClosed, this, [this](const QUuid &id) {
        m_followed.remove(id);
        if (m_clients.isEmpty())
            return;
        broadcastForSession(id, Protocol::sessionClosedFrame(id));
    });
}

AdminFeed::~AdminFeed() {
    for (const Client &client : std::as_const(m_clients)) {
        client.socket->disconnect(this);
        client.socket->abort();
        delete client.socket;
    }
}

void AdminFeed::accept(std::unique_ptr<QWebSocket> owned, QTcpSocket *tcpSocket,
                       const QString &peer) {
    QWebSocket *socket = owned.release();
    socket->setParent(this);
    if (tcpSocket)
        connect(socket, &QObject::destroyed, tcpSocket, &QObject::deleteLater);
    if (socket->state() != QAbstractSocket::ConnectedState) {
        socket->deleteLater();
        return;
    }
    m_clients.append({socket, peer});
    connect(socket, &QWebSocket::disconnected, this, [this, socket] { drop(socket); });
    // What it sends is not read (the feed is one-way), and not let grow either: Qt closes a
    // larger message with 1009.
    socket->setMaxAllowedIncomingFrameSize(kMaxIncomingBytes);
    socket->setMaxAllowedIncomingMessageSize(kMaxIncomingBytes);
    qCInfo(lcServer).noquote() << "admin feed client" << peer << "connected;" << m_clients.size()
                               << "now";
    QJsonArray live;
    for (const QUuid &id : m_sessions->sessionIds())
        live.append(QJsonObject{{u"session_id"_s, Ids::toText(id)},
                                {u"user_id"_s, m_sessions->userId(id)}});
    const Client client = m_clients.last();
    send(client, Protocol::compact(Protocol::adminHelloFrame(live, m_remoteControl)));
    for (const QUuid &id : std::as_const(m_followed))
        send(client, Protocol::compact(Protocol::followingFrame(id)));
    if (m_subscribed)
        return;
    m_subscribed = true;
    // The feeds already made (the console's) are followed now; the others arrive as
    // feedAttached once the router has made them.
    for (const QUuid &id : m_sessions->sessionIds())
        if (ConversationFeed *feed = m_sessions->feed(id))
            follow(id, feed, true);
    m_sessions->addFeedSubscriber();
}

void AdminFeed::closeAll(int code, const QString &reason) {
    flushAllContent();
    const QList<Client> clients = m_clients;
    for (const Client &client : clients) {
        drop(client.socket);
        client.socket->close(QWebSocketProtocol::CloseCode(code), reason);
    }
}

void AdminFeed::follow(const QUuid &id, ConversationFeed *feed, bool announce) {
    if (!feed)
        return;
    // Followed once: a feed both announced and found live is not connected twice.
    feed->disconnect(this);
    m_followed.insert(id);
    if (announce)
        broadcast(Protocol::followingFrame(id));
    connect(feed, &ConversationFeed::turnStarted, this, [this, id](const QString &text) {
        broadcastForSession(id, Protocol::turnStartedFrame(id, text));
    });
    connect(feed, &ConversationFeed::contentDelta, this, [this, id](const QString &text) {
        if (m_clients.isEmpty())
            return;
        auto pending = m_pendingContent.find(id);
        if (pending == m_pendingContent.end()) {
            m_pendingContent.insert(id, text);
            m_pendingOrder.append(id);
        } else {
            pending->append(text);
        }
        if (!m_batch.isActive())
            m_batch.start();
    });
    connect(feed, &ConversationFeed::toolStarted, this,
            [this, id](const QString &callId, const QString &tool, const QJsonObject &arguments) {
                broadcastForSession(id, Protocol::forSession(
                                            Protocol::toolStartFrame(callId, tool, arguments), id));
            });
    connect(
        feed, &ConversationFeed::toolFinished, this,
        [this, id](const QString &callId, const QString &tool, bool ok, const QJsonValue &result) {
            broadcastForSession(
                id, Protocol::forSession(Protocol::toolEndFrame(callId, tool, ok, result), id));
        });
    connect(feed, &ConversationFeed::turnFinished, this, [this, id](const TurnOutcome &outcome) {
        if (outcome.finishReason == u"error")
            broadcastForSession(
                id,
                Protocol::forSession(Protocol::errorFrame(outcome.errorCode, outcome.errorMessage,
                                                          outcome.retryable, outcome.retryAfterMs),
                                     id));
        broadcastForSession(id, Protocol::forSession(Protocol::doneFrame(outcome), id));
    });
    connect(feed, &ConversationFeed::eventRecorded, this, [this, id](const Event &event) {
        broadcastForSession(id, Protocol::eventFrame(id, RecordJson::event(event)));
    });
}

void AdminFeed::broadcastForSession(const QUuid &sessionId, const QJsonObject &frame) {
    flushContent(sessionId);
    broadcast(frame);
}

void AdminFeed::broadcast(const QJsonObject &frame) {
    if (m_clients.isEmpty())
        return;
    const QByteArray bytes = Protocol::compact(frame);
    // A client dropped while sending leaves the list: iterate over a copy.
    const QList<Client> clients = m_clients;
    for (const Client &client : clients)
        send(client, bytes);
}

void AdminFeed::flushContent(const QUuid &sessionId) {
    const auto pending = m_pendingContent.constFind(sessionId);
    if (pending == m_pendingContent.cend())
        return;
    const QString text = *pending;
    m_pendingContent.erase(pending);
    m_pendingOrder.removeOne(sessionId);
    broadcast(Protocol::forSession(Protocol::contentFrame(text), sessionId));
}

void AdminFeed::flushAllContent() {
    const QList<QUuid> order = std::exchange(m_pendingOrder, {});
    for (const QUuid &id : order)
        flushContent(id);
    m_pendingContent.clear();
}

void AdminFeed::send(const Client &client, const QByteArray &frame) {
    QWebSocket *socket = client.socket;
    if (!isClient(socket))
        return;
    // What waited before this frame: one frame larger than the cap (a long reply's event) is
    // sent to a client that has read everything else.
    const qint64 backlog = socket->bytesToWrite();
    if (backlog <= m_maxBufferedBytes) {
        socket->sendTextMessage(QString::fromUtf8(frame));
        return;
    }
    qCWarning(lcServer).noquote() << "admin feed client" << client.peer
                                  << "does not read:" << backlog
                                  << "bytes wait for it; closed with code"
                                  << int(Protocol::CloseTooSlow);
    drop(socket);
    // The close frame waits behind everything unread; deleting the socket (drop) resets the
    // connection, so the memory is not held either way.
    socket->close(
        QWebSocketProtocol::CloseCode(Protocol::CloseTooSlow),
        u"client too slow: more than %1 bytes were waiting to be read"_s.arg(m_maxBufferedBytes));
}

bool AdminFeed::isClient(const QWebSocket *socket) const {
    return std::any_of(m_clients.cbegin(), m_clients.cend(),
                       [socket](const Client &c) { return c.socket == socket; });
}

void AdminFeed::drop(QWebSocket *socket) {
    const auto at = std::find_if(m_clients.cbegin(), m_clients.cend(),
                                 [socket](const Client &c) { return c.socket == socket; });
    if (at == m_clients.cend())
        return;
    qCInfo(lcServer).noquote() << "admin feed client" << at->peer << "gone;" << m_clients.size() - 1
                               << "left";
    m_clients.erase(at);
    socket->disconnect(this);
    socket->deleteLater();
    if (m_clients.isEmpty())
        // Not now: this may run inside a slot of a feed the router would delete.
        QMetaObject::invokeMethod(this, &AdminFeed::releaseFeedsIfIdle, Qt::QueuedConnection);
}

void AdminFeed::releaseFeedsIfIdle() {
    if (!m_clients.isEmpty() || !m_subscribed)
        return;
    m_subscribed = false;
    m_followed.clear();
    m_pendingContent.clear();
    m_pendingOrder.clear();
    m_batch.stop();
    for (const QUuid &id : m_sessions->sessionIds())
        if (ConversationFeed *feed = m_sessions->feed(id))
            feed->disconnect(this);
    m_sessions->removeFeedSubscriber();
}
