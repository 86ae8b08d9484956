#include "server/GuardedTcpServer.h"

#include "server/ConnectionWatchdog.h"

#include <QTcpSocket>

GuardedTcpServer::GuardedTcpServer(ConnectionWatchdog *watchdog, QObject *parent)
    : QTcpServer(parent)
    , m_watchdog(watchdog) {}

void GuardedTcpServer::incomingConnection(qintptr descriptor) {
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    if (!m_watchdog || m_watchdog->admit(socket))
        addPendingConnection(socket);
}
