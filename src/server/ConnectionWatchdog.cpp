#include "server/ConnectionWatchdog.h"

#include "core/Logging.h"
#include "core/MetricsRegistry.h"
#include "server/HttpReply.h"
#include "server/HttpRequestHead.h"
#include "server/Protocol.h"
#include "server/ServerMetrics.h"
#include "server/WebSocketFrameGuard.h"
#include "server/WebSocketKeepalive.h"

#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace {

// How long a closing connection may take to flush what it was sent before it is aborted.
constexpr int kAbortAfterCloseMs = 1000;

void closeGently(QTcpSocket *socket) {
    socket->disconnectFromHost();
    if (socket->state() != QAbstractSocket::UnconnectedState)
        QTimer::singleShot(kAbortAfterCloseMs, socket, [socket] { socket->abort(); });
}

} // namespace

ConnectionWatchdog::ConnectionWatchdog(MetricsRegistry *metrics, QObject *parent)
    : QObject(parent)
    , m_metrics(metrics) {
    setSettings(m_settings);
}

void ConnectionWatchdog::setSettings(const Settings &settings) {
    m_settings = settings;
    m_limits.setCaps(settings.maxConnectionsPerAddress, settings.maxLoopbackConnections);
}

bool ConnectionWatchdog::admit(QTcpSocket *socket) {
    const QHostAddress address = socket->peerAddress();
    const QString peer = u"%1:%2"_s.arg(ConnectionLimits::key(address)).arg(socket->peerPort());
    if (!m_limits.admit(address)) {
        refuse(socket, peer);
        return false;
    }
    Connection connection;
    connection.peer = peer;
    connection.address = address;
    connection.deadline = new QTimer(socket);
    connection.deadline->setSingleShot(true);
    connect(connection.deadline, &QTimer::timeout, this, [this, socket] { expire(socket); });
    connection.deadline->start(m_settings.requestTimeoutMs);
    connection.serial = ++m_nextSerial;
    const quint64 serial = connection.serial;
    m_connections.insert(socket, connection);
    // Before QAbstractHttpServer connects its own slots, so a request's first bytes start its
    // deadline before Qt parses them. A child's destroyed() survives QTcpSocket::disconnect(),
    // which Qt calls on the upgrade.
    connect(socket, &QIODevice::readyRead, this, [this, socket] { onBytesReceived(socket); });
    connect(socket, &QIODevice::bytesWritten, this, [this, socket] { onBytesWritten(socket); });
    // Queued from a network thread once the socket moved there: by then a new socket may have
    // the same address, hence the serial.
    connect(connection.deadline, &QObject::destroyed, this,
            [this, socket, serial] { released(socket, serial); });
    updateGauge();
    return true;
}

void ConnectionWatchdog::requestReceived(QTcpSocket *socket) {
    const auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    it->state = State::Idle;
    it->partialRequest = false;
    // Qt has read all it was sent; the next request's head starts with the next bytes only
    // when this one's head ended exactly where those bytes did.
    it->screening = it->screening && it->headDone;
    it->head.clear();
    it->headDone = false;
    it->deadline->start(m_settings.idleTimeoutMs);
}

void ConnectionWatchdog::upgrading(QTcpSocket *socket) {
    const auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    it->state = State::Upgrading;
    it->upgradeKey = peerKey(socket->peerAddress(), socket->peerPort());
    m_upgrading.insert(it->upgradeKey, socket);
    it->deadline->start(m_settings.handshakeTimeoutMs);
    // Qt now cuts the socket's connections and queues its handshake: this runs between the two,
    // so the guard's readyRead slot comes before the one QWebSocket connects.
    QMetaObject::invokeMethod(
        socket,
        [this, socket] {
            const auto found = m_connections.find(socket);
            if (found == m_connections.end())
                return;
            auto *guard = new WebSocketFrameGuard(socket);
            found->frames = guard;
            const QString peer = found->peer;
            connect(guard, &WebSocketFrameGuard::refused, this, [this, peer](const QString &why) {
                qCWarning(lcServer).noquote() << "closing" << peer << "with 1002 -" << why;
                countClose(ProtocolError);
            });
        },
        Qt::QueuedConnection);
}

ConnectionWatchdog::Upgraded ConnectionWatchdog::upgraded(QWebSocket *webSocket) {
    QTcpSocket *socket = takeUpgrade(webSocket);
    Upgraded upgraded{u"a client gone during its handshake"_s, socket, nullptr};
    if (const auto it = m_connections.find(socket); socket && it != m_connections.end()) {
        it->deadline->stop();
        it->upgradeKey.clear();
        upgraded.peer = it->peer;
        upgraded.frames = it->frames;
        if (it->frames)
            it->frames->attach(webSocket);
    }
    if (m_settings.pingIntervalMs > 0)
        keepAlive(webSocket, upgraded.peer);
    return upgraded;
}

QTcpSocket *ConnectionWatchdog::takeUpgrade(QWebSocket *webSocket) {
    if (!webSocket->peerAddress().isNull())
        return m_upgrading.take(peerKey(webSocket->peerAddress(), webSocket->peerPort()));
    // Reset during the handshake, so the QWebSocket no longer knows its peer; Qt hands over
    // upgrades one at a time, so its socket is the one upgrade that is gone (when only one is).
    QTcpSocket *gone = nullptr;
    for (auto it = m_upgrading.cbegin(); it != m_upgrading.cend(); ++it) {
        if (it.value()->state() == QAbstractSocket::ConnectedState)
            continue;
        if (gone)
            return nullptr;
        gone = it.value();
    }
    if (gone)
        m_upgrading.remove(m_connections.value(gone).upgradeKey);
    return gone;
}

void ConnectionWatchdog::keepAlive(QWebSocket *webSocket, const QString &peer) {
    auto *keepalive =
        new WebSocketKeepalive(webSocket, m_settings.pingIntervalMs, m_settings.pingTimeoutMs);
    const int timeoutMs = m_settings.pingTimeoutMs;
    // On the connection's thread (it moves to a network thread); the count is thread-safe.
    connect(keepalive, &WebSocketKeepalive::silent, webSocket, [this, webSocket, peer, timeoutMs] {
        qCWarning(lcServer).noquote()
            << "closing" << peer << "- no answer to a ping within" << timeoutMs << "ms";
        countClose(Keepalive);
        // The abort ends the session through SessionSocket's disconnected path, as any drop.
        webSocket->close(QWebSocketProtocol::CloseCodeGoingAway,
                         u"no answer to a ping within %1 ms"_s.arg(timeoutMs));
        webSocket->abort();
    });
}

void ConnectionWatchdog::refuse(QTcpSocket *socket, const QString &peer) {
    const int cap = m_limits.capFor(socket->peerAddress());
    qCWarning(lcServer).noquote() << "refusing" << peer << "-" << cap
                                  << "connections from its address are open";
    countClose(PerAddressCap);
    HttpReply reply = HttpReply::error(
        429, Protocol::Error::TooManyConnections,
        u"%1 connections from your address are open, the most this server allows; close one "
        "and try again"_s.arg(cap));
    reply.headers.append({QByteArrayLiteral("Connection"), QByteArrayLiteral("close")});
    reply.headers.append({QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1")});
    socket->write(reply.serialize());
    // This socket is never Qt's: read its request (so closing does not reset the connection
    // before the client read the answer) and close once it came or after a moment.
    connect(socket, &QIODevice::readyRead, socket, [socket] {
        socket->readAll();
        closeGently(socket);
    });
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(kAbortAfterCloseMs, socket, [socket] { closeGently(socket); });
}

void ConnectionWatchdog::onBytesReceived(QTcpSocket *socket) {
    const auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    it->partialRequest = true;
    if (it->state == State::Idle) {
        it->state = State::AwaitingRequest;
        it->deadline->start(m_settings.requestTimeoutMs);
    }
    if (it->state == State::AwaitingRequest && it->screening && !it->headDone)
        screenHead(socket, *it);
}

void ConnectionWatchdog::screenHead(QTcpSocket *socket, Connection &connection) {
    // Called before Qt's slot on readyRead: what is unread is what just came (Qt reads all it
    // is sent at each readyRead). Never peek a socket that is no longer open.
    if (!socket->isOpen() || socket->state() != QAbstractSocket::ConnectedState)
        return;
    const qint64 room = HttpRequestHead::kMaxBytes + 1 - connection.head.size();
    const qint64 unread = socket->bytesAvailable();
    connection.head += socket->peek(std::min(room, unread));
    const HttpRequestHead head = HttpRequestHead::check(connection.head);
    switch (head.verdict) {
    case HttpRequestHead::Verdict::Incomplete:
        return;
    case HttpRequestHead::Verdict::Complete:
        connection.headDone = true;
        connection.screening =
            !head.hasBody && unread < room && connection.head.size() == head.headBytes;
        connection.head.clear();
        return;
    case HttpRequestHead::Verdict::Refused:
        refuseRequest(socket, connection, head.status, head.code, head.message);
        return;
    }
}

void ConnectionWatchdog::refuseRequest(QTcpSocket *socket, const Connection &connection, int status,
                                       const QString &code, const QString &message) {
    qCWarning(lcServer).noquote() << "refusing a request from" << connection.peer << "-" << status
                                  << message;
    countClose(status == 431 ? HeadersTooLarge : status == 505 ? HttpVersion : BadRequest);
    // Qt's parser must never see this request: take the socket's data away from it (and from
    // this watchdog), and drain what comes until the close.
    QObject::disconnect(socket, &QIODevice::readyRead, nullptr, nullptr);
    if (socket->isTransactionStarted())
        socket->commitTransaction();
    socket->readAll();
    connect(socket, &QIODevice::readyRead, socket, [socket] { socket->readAll(); });
    HttpReply reply = HttpReply::error(status, code, message);
    reply.headers.append({QByteArrayLiteral("Connection"), QByteArrayLiteral("close")});
    socket->write(reply.serialize());
    closeGently(socket);
}

void ConnectionWatchdog::onBytesWritten(QTcpSocket *socket) {
    const auto it = m_connections.find(socket);
    if (it != m_connections.end() && it->state == State::Idle)
        it->deadline->start(m_settings.idleTimeoutMs);
}

void ConnectionWatchdog::expire(QTcpSocket *socket) {
    const auto it = m_connections.find(socket);
    if (it == m_connections.end() || socket->state() != QAbstractSocket::ConnectedState)
        return;
    switch (it->state) {
    case State::AwaitingRequest:
        qCInfo(lcServer).noquote() << "closing" << it->peer << "- no whole request within"
                                   << m_settings.requestTimeoutMs << "ms";
        countClose(RequestTimeout);
        if (it->partialRequest) {
            HttpReply reply =
                HttpReply::error(408, Protocol::Error::RequestTimeout,
                                 u"the request did not arrive whole within %1 ms"_s.arg(
                                     m_settings.requestTimeoutMs));
            reply.headers.append({QByteArrayLiteral("Connection"), QByteArrayLiteral("close")});
            socket->write(reply.serialize());
        }
        closeGently(socket);
        break;
    case State::Idle:
        qCInfo(lcServer).noquote()
            << "closing" << it->peer << "- idle for" << m_settings.idleTimeoutMs << "ms";
        countClose(Idle);
        closeGently(socket);
        break;
    case State::Upgrading:
        qCWarning(lcServer).noquote() << "closing" << it->peer << "- WebSocket handshake not done"
                                      << "within" << m_settings.handshakeTimeoutMs << "ms";
        countClose(HandshakeTimeout);
        m_upgrading.remove(it->upgradeKey);
        socket->abort();
        break;
    }
}

void ConnectionWatchdog::released(QTcpSocket *socket, quint64 serial) {
    const auto it = m_connections.find(socket);
    if (it == m_connections.end() || it->serial != serial)
        return;
    if (!it->upgradeKey.isEmpty() && m_upgrading.value(it->upgradeKey) == socket)
        m_upgrading.remove(it->upgradeKey);
    m_limits.release(it->address);
    m_connections.erase(it);
    updateGauge();
}

void ConnectionWatchdog::countClose(const QString &reason) {
    m_metrics->increment(ServerMetrics::ConnectionsClosed, {{u"reason"_s, reason}});
}

void ConnectionWatchdog::updateGauge() {
    m_metrics->set(ServerMetrics::Connections, double(m_limits.total()));
}

QString ConnectionWatchdog::peerKey(const QHostAddress &address, quint16 port) {
    return ConnectionLimits::key(address) + u'|' + QString::number(port);
}
