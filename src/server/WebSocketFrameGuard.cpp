#include "server/WebSocketFrameGuard.h"

#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace {

// How long the closing connection may take to flush the close frame before it is aborted.
constexpr int kAbortAfterCloseMs = 1000;

bool isOpen(const QTcpSocket *socket) {
    return socket->isOpen() && socket->state() == QAbstractSocket::ConnectedState;
}

} // namespace

WebSocketFrameGuard::WebSocketFrameGuard(QTcpSocket *socket)
    : QObject(socket)
    , m_socket(socket) {
    connect(socket, &QIODevice::readyRead, this, &WebSocketFrameGuard::beforeQt);
}

void WebSocketFrameGuard::attach(QWebSocket *webSocket) {
    m_webSocket = webSocket;
    connect(m_socket, &QIODevice::readyRead, this, &WebSocketFrameGuard::afterQt);
    if (!isOpen(m_socket))
        return;
    // Bytes QWebSocket left unread by now came before the handshake's answer (RFC 6455 §4.1
    // forbids that) and may start in the middle of a frame: the frames cannot be told apart.
    if (m_socket->bytesAvailable() > 0)
        refuse(u"frames sent before the handshake's answer (RFC 6455 section 4.1)"_s);
}

void WebSocketFrameGuard::beforeQt() {
    if (!m_webSocket || m_done || !isOpen(m_socket))
        return;
    const qint64 unread = m_socket->bytesAvailable();
    if (unread <= m_scanned)
        return;
    // Qt reads what is put back, the bytes it left last time first (QIODevice::ungetChar, in
    // reverse: there is no other way into a QTcpSocket's read buffer).
    const QByteArray bytes = m_socket->read(unread);
    const qsizetype seen = std::min(qsizetype(m_scanned), bytes.size());
    const QByteArrayView arrived = QByteArrayView(bytes).sliced(seen);
    if (const QString error = m_scanner.feed(arrived); !error.isEmpty()) {
        refuse(error);
        return;
    }
    m_joiner.setMaxMessageBytes(qint64(m_webSocket->maxAllowedIncomingMessageSize()));
    const QByteArray forQt = bytes.first(seen) + m_joiner.feed(arrived);
    if (m_holding) {
        m_held += forQt;
        m_scanned = 0;
        return;
    }
    putBack(forQt);
}

void WebSocketFrameGuard::putBack(const QByteArray &bytes) {
    for (qsizetype i = bytes.size() - 1; i >= 0; --i)
        m_socket->ungetChar(bytes.at(i));
    m_scanned = bytes.size();
}

void WebSocketFrameGuard::hold() {
    m_holding = true;
}

void WebSocketFrameGuard::resume() {
    m_holding = false;
    if (m_done || !isOpen(m_socket))
        return;
    if (!m_held.isEmpty())
        putBack(std::exchange(m_held, {})); // the socket is empty: holding read it all
    Q_EMIT m_socket->readyRead();
}

void WebSocketFrameGuard::afterQt() {
    if (!m_done && isOpen(m_socket))
        m_scanned = m_socket->bytesAvailable();
}

void WebSocketFrameGuard::refuse(const QString &reason) {
    m_done = true;
    Q_EMIT refused(reason);
    // QWebSocket must not read (and serve) what is left: cut it off from the socket's data.
    if (m_webSocket)
        QObject::disconnect(m_socket, &QIODevice::readyRead, m_webSocket, nullptr);
    m_socket->readAll();
    connect(m_socket, &QIODevice::readyRead, m_socket, [socket = m_socket] { socket->readAll(); });
    if (m_webSocket)
        m_webSocket->close(QWebSocketProtocol::CloseCodeProtocolError, reason);
    m_socket->disconnectFromHost();
    if (m_socket->state() != QAbstractSocket::UnconnectedState)
        QTimer::singleShot(kAbortAfterCloseMs, m_socket, [socket = m_socket] { socket->abort(); });
}
