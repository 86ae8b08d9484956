// ConnectionWatchdog on its own, over real sockets but without Qt's HTTP server: the paths the
// whole server cannot be made to take on purpose (an accepted upgrade that Qt never finishes).

#include "core/MetricsRegistry.h"
#include "server/ConnectionWatchdog.h"
#include "server/GuardedTcpServer.h"
#include "server/ServerMetrics.h"

#include <QTcpSocket>
#include <QTest>

using namespace Qt::StringLiterals;

class TstConnectionWatchdog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void anUpgradeThatIsNeverHandedOverIsAbortedByTheHandshakeDeadline() {
        MetricsRegistry metrics;
        ServerMetrics::describeAll(&metrics);
        ConnectionWatchdog watchdog(&metrics);
        ConnectionWatchdog::Settings settings;
        settings.handshakeTimeoutMs = 200;
        watchdog.setSettings(settings);
        GuardedTcpServer server(&watchdog);
        QVERIFY(server.listen(QHostAddress::LocalHost));
        QTcpSocket *accepted = nullptr;
        connect(&server, &QTcpServer::pendingConnectionAvailable, this, [&] {
            accepted = server.nextPendingConnection();
            // As HttpServer does once handleRequest accepted an upgrade.
            watchdog.requestReceived(accepted);
            watchdog.upgrading(accepted);
        });

        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(QTest::qWaitFor([&] { return accepted != nullptr; }, 10000));
        QCOMPARE(watchdog.openConnections(), 1);
        QVERIFY(QTest::qWaitFor([&] { return client.state() == QAbstractSocket::UnconnectedState; },
                                10000));
        QCOMPARE(metrics.value(ServerMetrics::ConnectionsClosed,
                               {{u"reason"_s, ConnectionWatchdog::HandshakeTimeout}}),
                 1.0);
        QCOMPARE(metrics.value(ServerMetrics::ConnectionsClosed,
                               {{u"reason"_s, ConnectionWatchdog::RequestTimeout}}),
                 0.0);
        delete accepted; // Qt would delete it on its disconnect
        QCOMPARE(watchdog.openConnections(), 0);
        QCOMPARE(metrics.value(ServerMetrics::Connections), 0.0);
    }

    void aConnectionOverTheCapIsAnswered429BeforeItSendsAnything() {
        MetricsRegistry metrics;
        ServerMetrics::describeAll(&metrics);
        ConnectionWatchdog watchdog(&metrics);
        ConnectionWatchdog::Settings settings;
        settings.maxLoopbackConnections = 1;
        watchdog.setSettings(settings);
        GuardedTcpServer server(&watchdog);
        QVERIFY(server.listen(QHostAddress::LocalHost));
        QList<QTcpSocket *> accepted;
        connect(&server, &QTcpServer::pendingConnectionAvailable, this,
                [&] { accepted.append(server.nextPendingConnection()); });

        QTcpSocket first;
        first.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(QTest::qWaitFor([&] { return accepted.size() == 1; }, 10000));
        QTcpSocket second;
        second.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QByteArray answer;
        QVERIFY(QTest::qWaitFor(
            [&] {
                answer += second.readAll();
                return second.state() == QAbstractSocket::UnconnectedState;
            },
            10000));
        answer += second.readAll();
        QVERIFY2(answer.startsWith("HTTP/1.1 429 Too Many Requests\r\n"), answer.constData());
        QVERIFY(answer.contains("Connection: close\r\n"));
        QVERIFY(answer.contains("\"too_many_connections\""));
        QCOMPARE(accepted.size(), 1); // Qt's HTTP server never saw it
        QCOMPARE(metrics.value(ServerMetrics::ConnectionsClosed,
                               {{u"reason"_s, ConnectionWatchdog::PerAddressCap}}),
                 1.0);
        qDeleteAll(accepted);
    }
};

QTEST_GUILESS_MAIN(TstConnectionWatchdog)
#include "tst_connectionwatchdog.moc"
