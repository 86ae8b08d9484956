#include "server/SessionRouter.h"

#include "chat/Conversation.h"
#include "chat/ConversationFeed.h"
#include "chat/SessionService.h"
#include "core/FutureCallbacks.h"
#include "core/Logging.h"
#include "core/MetricsRegistry.h"
#include "server/ServerMetrics.h"
#include "server/SessionManager.h"
#include "server/SessionSocket.h"
#include "server/WebSocketFrameGuard.h"
#include "storage/StorageError.h"

#include <QPromise>
#include <QTcpSocket>
#include <QWebSocket>
#include <numeric>

using namespace Qt::StringLiterals;

SessionRouter::SessionRouter(int threads, const NetworkThread::Factory &make,
                             MetricsRegistry *metrics, QObject *parent)
    : QObject(parent)
    , m_metrics(metrics) {
    const int count = std::max(1, threads);
    m_connections.assign(size_t(count), 0);
    for (int i = 0; i < count; ++i) {
        m_threads.push_back(std::make_unique<NetworkThread>(i, make));
        watch(*m_threads.back());
        m_metrics->set(ServerMetrics::ThreadConnections, 0, {{u"thread"_s, QString::number(i)}});
    }
}

SessionRouter::~SessionRouter() {
    m_threads.clear();
    for (const Live &live : std::as_const(m_live))
        delete live.feed;
}

void SessionRouter::watch(NetworkThread &thread) {
    const NetworkThread::Parts parts = thread.parts();
    const int index = thread.index();
    // On the network thread, as the session opens: the feed must connect to the conversation
    // before it emits anything, and before it can be deleted.
    connect(
        parts.sessions, &SessionService::sessionOpened, this,
        [this](const QUuid &id, const QString &userId, Conversation *conversation) {
            ConversationFeed *feed =
                m_feedsEnabled ? new ConversationFeed(id, conversation, this->thread()) : nullptr;
            QMetaObject::invokeMethod(
                this, [this, id, userId, feed] { opened(id, userId, feed); }, Qt::QueuedConnection);
        },
        Qt::DirectConnection);
    connect(parts.sessions, &SessionService::sessionClosed, this, &SessionRouter::closed,
            Qt::QueuedConnection);
    connect(
        parts.connections, &SessionManager::connectionCountChanged, this,
        [this, index](int count) {
            m_connections[size_t(index)] = count;
            m_metrics->set(ServerMetrics::ThreadConnections, count,
                           {{u"thread"_s, QString::number(index)}});
            Q_EMIT connectionCountChanged(connectionCount());
        },
        Qt::QueuedConnection);
    connect(
        parts.connections, &SessionManager::shutdownFinished, this,
        [this] {
            if (--m_shutdownsPending == 0)
                Q_EMIT shutdownFinished();
        },
        Qt::QueuedConnection);
}

int SessionRouter::threadOf(const QUuid &sessionId) const {
    const size_t count = m_threads.size();
    if (sessionId.isNull())
        return int(size_t(m_nextForUnnamed++) % count);
    return int(qHash(sessionId) % count);
}

void SessionRouter::forEachThread(
    const std::function<void(const NetworkThread::Parts &)> &job) const {
    for (const auto &thread : m_threads)
        thread->post(job);
}

void SessionRouter::accept(std::unique_ptr<QWebSocket> socket,
                           const ConnectionWatchdog::Upgraded &upgraded) {
    if (!upgraded.socket) {
        drop(socket.get(), upgraded.peer); // reset during its handshake: nothing to serve
        return;
    }
    // Qt's handshake may still have a queued call that peeks the TCP socket (a readyRead that
    // came while the first was queued): it runs here before the socket leaves this thread, and
    // what arrives meanwhile waits in the frame guard.
    if (upgraded.frames)
        upgraded.frames->hold();
    QMetaObject::invokeMethod(
        this,
        [this, webSocket = QPointer<QWebSocket>(socket.release()),
         tcpSocket = QPointer<QTcpSocket>(upgraded.socket),
         frames = QPointer<WebSocketFrameGuard>(upgraded.frames), peer = upgraded.peer] {
            if (webSocket)
                move(webSocket, tcpSocket, frames, peer);
        },
        Qt::QueuedConnection);
}

void SessionRouter::move(QWebSocket *socket, QTcpSocket *tcpSocket, WebSocketFrameGuard *frames,
                         const QString &peer) {
    // Gone during the pass it waited: its deletion may already be posted here, and a moved
    // object takes its posted events along, so the other thread could delete it under us.
    if (!tcpSocket || tcpSocket->state() != QAbstractSocket::ConnectedState) {
        drop(socket, peer);
        delete socket;
        return;
    }
    NetworkThread &thread =
        *m_threads[size_t(threadOf(SessionSocket::sessionIdOf(socket->requestUrl())))];
    // Qt's WebSocket reads and writes through the TCP socket, which is not its child: both move.
    connect(socket, &QObject::destroyed, tcpSocket, &QObject::deleteLater);
    tcpSocket->setParent(nullptr);
    tcpSocket->moveToThread(thread.eventThread());
    socket->setParent(nullptr);
    socket->moveToThread(thread.eventThread());
    thread.post([socket, frames = QPointer(frames), peer](const NetworkThread::Parts &parts) {
        parts.connections->accept(std::unique_ptr<QWebSocket>(socket), peer);
        if (frames)
            frames->resume();
    });
}

void SessionRouter::drop(QWebSocket *socket, const QString &peer) {
    qCInfo(lcServer).noquote() << "connection" << peer << "gone before its session opened";
    socket->abort();
}

void SessionRouter::setFeedsEnabled(bool enabled) {
    m_consoleFeeds = enabled;
    updateFeeds();
}

void SessionRouter::addFeedSubscriber() {
    ++m_feedSubscribers;
    updateFeeds();
}

void SessionRouter::removeFeedSubscriber() {
    m_feedSubscribers = std::max(0, m_feedSubscribers - 1);
    updateFeeds();
}

void SessionRouter::updateFeeds() {
    const bool wanted = m_consoleFeeds || m_feedSubscribers > 0;
    if (wanted == m_feedsEnabled)
        return;
    m_feedsEnabled = wanted;
    if (!wanted) {
        for (Live &live : m_live) {
            delete live.feed.data();
            live.feed = nullptr;
        }
        return;
    }
    // A session opening from now on makes its own feed (the flag is set before these jobs run);
    // those already live get one here, announced after their sessionOpened (one thread's queued
    // calls arrive in order).
    forEachThread([this](const NetworkThread::Parts &parts) {
        for (const QUuid &id : parts.sessions->sessionIds()) {
            Conversation *conversation = parts.sessions->conversation(id);
            if (!conversation)
                continue;
            auto *feed = new ConversationFeed(id, conversation, this->thread());
            QMetaObject::invokeMethod(
                this, [this, id, feed] { attachFeed(id, feed); }, Qt::QueuedConnection);
        }
    });
}

void SessionRouter::attachFeed(const QUuid &sessionId, ConversationFeed *feed) {
    const auto live = m_live.find(sessionId);
    if (!m_feedsEnabled || live == m_live.end() || live->feed) {
        delete feed; // turned off again, closed, or it made its own as it opened
        return;
    }
    live->feed = feed;
    Q_EMIT feedAttached(sessionId, feed);
}

ConversationFeed *SessionRouter::feed(const QUuid &sessionId) const {
    return m_live.value(sessionId).feed;
}

int SessionRouter::connectionCount() const {
    return std::accumulate(m_connections.cbegin(), m_connections.cend(), 0);
}

bool SessionRouter::endSession(const QUuid &sessionId, const QString &reason) {
    if (!isLive(sessionId))
        return false;
    m_threads[size_t(threadOf(sessionId))]->post(
        [sessionId, reason](const NetworkThread::Parts &parts) {
            parts.connections->endSession(sessionId, reason);
        });
    return true;
}

QFuture<SessionRouter::Removal> SessionRouter::remove(const QUuid &sessionId) {
    auto promise = std::make_shared<QPromise<Removal>>();
    promise->start();
    m_threads[size_t(threadOf(sessionId))]->post(
        [sessionId, promise](const NetworkThread::Parts &parts) {
            const std::optional<QFuture<bool>> removal = parts.sessions->remove(sessionId);
            if (!removal) {
                promise->addResult(Removal::Live);
                promise->finish();
                return;
            }
            whenFinished(
                parts.sessions, *removal,
                [promise](bool deleted) {
                    promise->addResult(deleted ? Removal::Deleted : Removal::NotFound);
                    promise->finish();
                },
                [promise](const QString &error) {
                    promise->setException(StorageError(error));
                    promise->finish();
                });
        });
    return promise->future();
}

void SessionRouter::shutdown() {
    m_shutdownsPending = threadCount();
    forEachThread([](const NetworkThread::Parts &parts) { parts.connections->shutdown(); });
}

void SessionRouter::opened(const QUuid &sessionId, const QString &userId, ConversationFeed *feed) {
    m_live.insert(sessionId, {userId, feed});
    Q_EMIT sessionOpened(sessionId, userId, feed);
}

void SessionRouter::closed(const QUuid &sessionId) {
    const Live live = m_live.take(sessionId);
    Q_EMIT sessionClosed(sessionId);
    if (live.feed)
        live.feed->deleteLater();
}
