#pragma once

#include "server/ConnectionLimits.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QString>

class MetricsRegistry;
class QTcpSocket;
class QTimer;
class QWebSocket;
class WebSocketFrameGuard;

// Keeps no connection open forever (PROTOCOL.md, Timeouts and limits). From its acceptance
// (GuardedTcpServer) to its upgrade or its end, each TCP connection is always under one deadline:
// - a new connection, and a kept-alive one that started its next request, must deliver the
//   whole request within requestTimeoutMs (408 when part of it came, else just closed);
// - between requests, a kept-alive connection with no traffic either way for idleTimeoutMs is
//   closed;
// - an accepted WebSocket upgrade must reach the SessionManager within handshakeTimeoutMs;
// - an upgraded connection is pinged every pingIntervalMs and aborted when nothing came back
//   within pingTimeoutMs of a ping (WebSocketKeepalive), which ends its session as any drop does.
// It also refuses connections over the per-address cap (ConnectionLimits) with 429, and a request
// whose head is malformed, oversized or of another HTTP version (HttpRequestHead) with 400, 431,
// 501 or 505: it peeks at each request head before Qt's parser reads it, as Qt 6.4 drops such
// requests unanswered (or, for any HTTP/x.y, answers them). An upgraded connection whose client
// sends an unmasked frame is closed with 1002 (WebSocketFrameGuard).
// Each close is logged with the peer captured at acceptance and counted in
// rtai_connections_closed_total{reason}. It never reads from a socket Qt parses (it peeks).
class ConnectionWatchdog : public QObject {
    Q_OBJECT

public:
    struct Settings {
        int requestTimeoutMs = 10'000;
        int handshakeTimeoutMs = 10'000;
        int idleTimeoutMs = 60'000;
        int pingIntervalMs = 30'000; // 0: no pings
        int pingTimeoutMs = 15'000;
        int maxConnectionsPerAddress = 256; // 0: no cap
        int maxLoopbackConnections = 20'000;
    };

    explicit ConnectionWatchdog(MetricsRegistry *metrics, QObject *parent = nullptr);

    // For connections accepted from now on (caps: at once).
    void setSettings(const Settings &settings);
    const Settings &settings() const { return m_settings; }

    // A socket just accepted, before Qt's HTTP parser sees it: true when it is watched from now
    // on; false when its address is over the cap (it was answered 429 and closes itself).
    bool admit(QTcpSocket *socket);
    // handleRequest got a whole request on `socket`.
    void requestReceived(QTcpSocket *socket);
    // ... and it is a WebSocket upgrade that Qt now performs.
    void upgrading(QTcpSocket *socket);
    // The upgraded connection, before the SessionManager takes it: starts its keepalive and
    // returns the client's address:port as it was accepted (a socket reset during the handshake
    // no longer knows it) and the TCP socket under it (nullptr when that is not known). From
    // then on the watchdog touches neither: they may move to a network thread.
    struct Upgraded {
        QString peer;
        QTcpSocket *socket = nullptr;
        WebSocketFrameGuard *frames = nullptr; // the socket's, when it has one
    };
    Upgraded upgraded(QWebSocket *socket);

    int openConnections() const { return m_limits.total(); }

    // The reasons of rtai_connections_closed_total.
    static inline const QString RequestTimeout = QStringLiteral("request_timeout");
    static inline const QString HandshakeTimeout = QStringLiteral("handshake_timeout");
    static inline const QString Idle = QStringLiteral("idle");
    static inline const QString Keepalive = QStringLiteral("keepalive");
    static inline const QString PerAddressCap = QStringLiteral("per_address_cap");
    static inline const QString BadRequest = QStringLiteral("bad_request");
    static inline const QString HeadersTooLarge = QStringLiteral("headers_too_large");
    static inline const QString HttpVersion = QStringLiteral("http_version");
    static inline const QString ProtocolError = QStringLiteral("protocol_error");

private:
    enum class State { AwaitingRequest, Idle, Upgrading };
    struct Connection {
        QString peer; // address:port, as it was when the connection opened
        QHostAddress address;
        QString upgradeKey;
        State state = State::AwaitingRequest;
        bool partialRequest = false;
        // The current request's head as peeked so far; screening stops for good once the
        // connection's bytes can no longer be told apart into heads (a body, pipelining).
        QByteArray head;
        bool headDone = false;
        bool screening = true;
        QPointer<WebSocketFrameGuard> frames; // once upgrading
        QTimer *deadline = nullptr;
        quint64 serial = 0; // tells this connection from a later one at the same address
    };

    void keepAlive(QWebSocket *webSocket, const QString &peer);
    void refuse(QTcpSocket *socket, const QString &peer);
    void onBytesReceived(QTcpSocket *socket);
    void screenHead(QTcpSocket *socket, Connection &connection);
    void refuseRequest(QTcpSocket *socket, const Connection &connection, int status,
                       const QString &code, const QString &message);
    void onBytesWritten(QTcpSocket *socket);
    void expire(QTcpSocket *socket);
    void released(QTcpSocket *socket, quint64 serial);
    void countClose(const QString &reason);
    void updateGauge();
    QTcpSocket *takeUpgrade(QWebSocket *webSocket);
    static QString peerKey(const QHostAddress &address, quint16 port);

    MetricsRegistry *m_metrics;
    Settings m_settings;
    ConnectionLimits m_limits;
    quint64 m_nextSerial = 0;
    QHash<QTcpSocket *, Connection> m_connections;
    QHash<QString, QTcpSocket *> m_upgrading; // by peerKey, until upgraded() sees the QWebSocket
};
