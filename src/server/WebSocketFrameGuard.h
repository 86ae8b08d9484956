#pragma once

#include "server/WebSocketFrameScanner.h"

#include <QObject>
#include <QPointer>

class QTcpSocket;
class QWebSocket;

// Closes an upgraded connection with 1002 when its client sends an unmasked frame, which Qt 6.4's
// QWebSocket accepts (RFC 6455 §5.1 requires the close). It looks at the bytes of the upgraded
// QTcpSocket before QWebSocket's parser reads them (WebSocketFrameScanner), and takes the socket
// away from that parser when it closes, so that the frame is never served.
//
// Created, as a child of the socket, after Qt's HTTP server cut the socket's connections for the
// upgrade but before QWebSocket connects to it, so that its readyRead slot runs first; attach()
// connects a second slot after QWebSocket's, which tells how much of what it saw Qt left unread.
class WebSocketFrameGuard : public QObject {
    Q_OBJECT

public:
    explicit WebSocketFrameGuard(QTcpSocket *socket);

    // The QWebSocket that now parses the socket; from here on its frames are scanned.
    void attach(QWebSocket *webSocket);

Q_SIGNALS:
    // The connection is being closed with 1002 for `reason`.
    void refused(const QString &reason);

private:
    void beforeQt();
    void afterQt();
    void refuse(const QString &reason);

    QTcpSocket *m_socket;
    QPointer<QWebSocket> m_webSocket;
    WebSocketFrameScanner m_scanner;
    qint64 m_scanned = 0; // the unread bytes of the socket already scanned
    bool m_done = false;
};
