#pragma once

#include "server/WebSocketFrameScanner.h"
#include "server/WebSocketTextJoiner.h"

#include <QObject>
#include <QPointer>

class QTcpSocket;
class QWebSocket;

// Works around two RFC 6455 bugs of Qt 6.4's QWebSocket, in the bytes of the upgraded QTcpSocket
// before QWebSocket's parser reads them: closes the connection with 1002 when its client sends
// an unmasked frame, which Qt accepts (§5.1 requires the close; WebSocketFrameScanner), taking
// the socket away from that parser so that the frame is never served; and hands Qt each
// fragmented text message joined into one frame (WebSocketTextJoiner), because Qt closes a
// character split across fragments with 1007.
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
    // While the connection moves to its network thread: what arrives is scanned and kept, and
    // Qt's parser sees none of it, so that no message is read where nobody listens yet.
    void hold();
    // On the new thread, once the connection's reader is there: hands Qt what was kept (and
    // tells it with readyRead).
    void resume();

Q_SIGNALS:
    // The connection is being closed with 1002 for `reason`.
    void refused(const QString &reason);

private:
    void beforeQt();
    void afterQt();
    void refuse(const QString &reason);
    void putBack(const QByteArray &bytes);

    QTcpSocket *m_socket;
    QPointer<QWebSocket> m_webSocket;
    WebSocketFrameScanner m_scanner;
    WebSocketTextJoiner m_joiner;
    qint64 m_scanned = 0; // the unread bytes of the socket already scanned
    bool m_done = false;
    bool m_holding = false;
    QByteArray m_held; // scanned, for Qt once resumed
};
