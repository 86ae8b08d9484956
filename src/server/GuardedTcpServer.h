#pragma once

#include <QPointer>
#include <QTcpServer>

class ConnectionWatchdog;

// The listening socket of HttpServer: hands each accepted connection to the ConnectionWatchdog
// before QAbstractHttpServer sees it, and passes on only the ones it admits.
class GuardedTcpServer : public QTcpServer {
    Q_OBJECT

public:
    explicit GuardedTcpServer(ConnectionWatchdog *watchdog, QObject *parent = nullptr);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    QPointer<ConnectionWatchdog> m_watchdog;
};
