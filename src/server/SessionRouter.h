#pragma once

#include "server/ConnectionWatchdog.h"
#include "server/NetworkThread.h"

#include <QFuture>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUuid>
#include <atomic>
#include <memory>
#include <vector>

class ConversationFeed;
class MetricsRegistry;
class QTcpSocket;
class QWebSocket;

// The session WebSocket connections of the program, spread over N network threads
// (ARCHITECTURE.md, Threads): every connection of a session goes to the thread its id hashes
// to, so a session, its newer connections and its resumes always meet on one thread, whose
// SessionManager and SessionService serve them as if there were no other. Lives on the main
// thread: what crosses threads (the console, REST, shutdown) goes through here, as queued calls.
//
// The live sessions here are those the threads last announced (sessionOpened / sessionClosed,
// queued in the order they happened).
class SessionRouter : public QObject {
    Q_OBJECT

public:
    SessionRouter(int threads, const NetworkThread::Factory &make, MetricsRegistry *metrics,
                  QObject *parent = nullptr);
    ~SessionRouter() override; // stops every network thread, deleting its sessions there

    int threadCount() const { return int(m_threads.size()); }
    // The thread of a session id (a null id: any; the connection is refused there).
    int threadOf(const QUuid &sessionId) const;
    // Runs `job` on every network thread with its parts (settings, tuning).
    void forEachThread(const std::function<void(const NetworkThread::Parts &)> &job) const;

    // Takes an upgraded connection, and the TCP socket under it, to its session's thread.
    void accept(std::unique_ptr<QWebSocket> socket, const ConnectionWatchdog::Upgraded &upgraded);

    // The console follows live sessions through feeds (ConversationFeed); off (the default),
    // sessionOpened carries none and no event crosses to this thread.
    void setFeedsEnabled(bool enabled);
    // The admin event feed (AdminFeed) wants feeds while it has clients, even with the console's
    // off: the first subscriber makes feeds for the sessions already live (feedAttached), the
    // last one gone deletes those the console does not want.
    void addFeedSubscriber();
    void removeFeedSubscriber();

    QList<QUuid> sessionIds() const { return m_live.keys(); }
    bool isLive(const QUuid &sessionId) const { return m_live.contains(sessionId); }
    QString userId(const QUuid &sessionId) const { return m_live.value(sessionId).userId; }
    ConversationFeed *feed(const QUuid &sessionId) const; // nullptr: not live, or no feeds
    int connectionCount() const;

    // SessionManager::endSession on the session's thread; false when it is not live.
    bool endSession(const QUuid &sessionId, const QString &reason);
    enum class Removal { Deleted, NotFound, Live };
    // SessionService::remove on the session's thread. Fails with a StorageError.
    QFuture<Removal> remove(const QUuid &sessionId);
    // SessionManager::shutdown on every thread; shutdownFinished once all are done.
    void shutdown();

Q_SIGNALS:
    void sessionOpened(const QUuid &sessionId, const QString &userId, ConversationFeed *feed);
    void sessionClosed(const QUuid &sessionId);
    // A feed made for a session that was already live when feeds were turned on.
    void feedAttached(const QUuid &sessionId, ConversationFeed *feed);
    void connectionCountChanged(int count);
    void shutdownFinished();

private:
    struct Live {
        QString userId;
        QPointer<ConversationFeed> feed;
    };

    void watch(NetworkThread &thread);
    void drop(QWebSocket *socket, const QString &peer);
    void move(QWebSocket *socket, QTcpSocket *tcpSocket, WebSocketFrameGuard *frames,
              const QString &peer);
    void opened(const QUuid &sessionId, const QString &userId, ConversationFeed *feed);
    void closed(const QUuid &sessionId);
    void updateFeeds();
    void attachFeed(const QUuid &sessionId, ConversationFeed *feed);

    MetricsRegistry *m_metrics;
    std::vector<std::unique_ptr<NetworkThread>> m_threads;
    std::vector<int> m_connections; // per thread, as last told
    QHash<QUuid, Live> m_live;
    std::atomic<bool> m_feedsEnabled = false; // read on the network threads
    bool m_consoleFeeds = false;
    int m_feedSubscribers = 0;
    mutable int m_nextForUnnamed = 0;
    int m_shutdownsPending = 0;
};
