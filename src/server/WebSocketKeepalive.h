#pragma once

#include <QObject>

class QTimer;
class QWebSocket;

// Pings a WebSocket peer every `intervalMs` and emits silent() when nothing at all (no pong,
// no frame) came back within `timeoutMs` of a ping. It does not close anything itself. Lives
// as a child of the QWebSocket it watches.
class WebSocketKeepalive : public QObject {
    Q_OBJECT

public:
    WebSocketKeepalive(QWebSocket *socket, int intervalMs, int timeoutMs);

Q_SIGNALS:
    void silent();

private:
    void ping();
    void heard();

    QWebSocket *m_socket;
    QTimer *m_interval;
    QTimer *m_deadline;
};
