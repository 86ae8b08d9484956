#include "server/WebSocketKeepalive.h"

#include <QTimer>
#include <QWebSocket>

WebSocketKeepalive::WebSocketKeepalive(QWebSocket *socket, int intervalMs, int timeoutMs)
    : QObject(socket)
    , m_socket(socket)
    , m_interval(new QTimer(this))
    , m_deadline(new QTimer(this)) {
    m_deadline->setSingleShot(true);
    m_deadline->setInterval(timeoutMs);
    connect(m_deadline, &QTimer::timeout, this, [this] {
        m_interval->stop();
        Q_EMIT silent();
    });
    connect(m_interval, &QTimer::timeout, this, &WebSocketKeepalive::ping);
    m_interval->start(intervalMs);
    connect(socket, &QWebSocket::pong, this, &WebSocketKeepalive::heard);
    connect(socket, &QWebSocket::textFrameReceived, this, &WebSocketKeepalive::heard);
    connect(socket, &QWebSocket::binaryFrameReceived, this, &WebSocketKeepalive::heard);
}

void WebSocketKeepalive::ping() {
    if (m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    m_socket->ping();
    if (!m_deadline->isActive())
        m_deadline->start();
}

void WebSocketKeepalive::heard() {
    m_deadline->stop();
}
