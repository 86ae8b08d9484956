// The timeouts and limits of PROTOCOL.md over real sockets: the request, idle and keepalive
// deadlines close the connections that hold the server, a live client is left alone, and the
// per-address cap refuses and admits again. The deadlines are made short; the assertions are
// about what happens, with generous waits, never about how long it took.

#include "ServerTestSupport.h"
#include "core/MetricsRegistry.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"
#include "server/ConnectionWatchdog.h"
#include "server/ServerMetrics.h"

#include <QTcpSocket>
#include <algorithm>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

constexpr int kWaitMs = 10000;

} // namespace

class TstServerTimeouts : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<InProcessServer> server;

    bool startWith(const ConnectionWatchdog::Settings &settings) {
        server = std::make_unique<InProcessServer>();
        server->connectionSettings = settings;
        return server->start();
    }

    double closed(const QString &reason) const { return server->connectionsClosed(reason); }
    std::unique_ptr<QTcpSocket> connectRaw() { return server->connectRaw(); }

    // Waits until the server closed `socket`; everything it sent before is in *received.
    static bool waitForServerClose(QTcpSocket *socket, QByteArray *received = nullptr) {
        QByteArray data;
        const bool closed = QTest::qWaitFor(
            [&] {
                data += socket->readAll();
                return socket->state() == QAbstractSocket::UnconnectedState;
            },
            kWaitMs);
        data += socket->readAll();
        if (received)
            *received = data;
        return closed;
    }

    QByteArray upgradeHead(const QUuid &id) const {
        const QByteArray port = QByteArray::number(server->url().port());
        return "GET /ws/session/" + Ids::toText(id).toLatin1() +
               "?user_id=alice HTTP/1.1\r\nHost: 127.0.0.1:" + port +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    }

    QByteArray healthz() const {
        return "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:" +
               QByteArray::number(server->url().port()) + "\r\n\r\n";
    }

private Q_SLOTS:
    void cleanup() { server.reset(); }

    void aSilentConnectionIsClosedByTheRequestDeadline() {
        ConnectionWatchdog::Settings settings;
        settings.requestTimeoutMs = 300;
        QVERIFY(startWith(settings));
        auto socket = connectRaw();
        QVERIFY(socket);
        QByteArray received;
        QVERIFY(waitForServerClose(socket.get(), &received));
        QVERIFY2(received.isEmpty(), received.constData()); // nothing asked, nothing answered
        QCOMPARE(closed(ConnectionWatchdog::RequestTimeout), 1.0);
        QTRY_COMPARE_WITH_TIMEOUT(server->backend->metrics()->value(ServerMetrics::Connections),
                                  0.0, kWaitMs);
    }

    void anUnfinishedUpgradeIsClosedWith408() {
        ConnectionWatchdog::Settings settings;
        settings.requestTimeoutMs = 300;
        QVERIFY(startWith(settings));
        auto socket = connectRaw();
        QVERIFY(socket);
        socket->write(upgradeHead(QUuid::createUuid())); // no blank line: the head never ends
        QByteArray received;
        QVERIFY(waitForServerClose(socket.get(), &received));
        QVERIFY2(received.startsWith("HTTP/1.1 408 "), received.constData());
        QVERIFY(received.contains("\"request_timeout\""));
        QCOMPARE(closed(ConnectionWatchdog::RequestTimeout), 1.0);
        QCOMPARE(server->backend->metrics()->value(ServerMetrics::WebSocketConnections), 0.0);
    }

    void aHalfSentRequestIsClosedEvenWhileItTrickles() {
        ConnectionWatchdog::Settings settings;
        settings.requestTimeoutMs = 500;
        QVERIFY(startWith(settings));
        auto socket = connectRaw();
        QVERIFY(socket);
        // A byte every 50 ms keeps the connection busy but never finishes the request.
        const QByteArray head = healthz();
        int sent = 0;
        QByteArray received;
        const bool closedByServer = QTest::qWaitFor(
            [&] {
                if (sent < head.size() - 2 && socket->state() == QAbstractSocket::ConnectedState)
                    socket->write(head.mid(sent++, 1));
                received += socket->readAll();
                QTest::qWait(50);
                return socket->state() == QAbstractSocket::UnconnectedState;
            },
            kWaitMs);
        received += socket->readAll();
        QVERIFY(closedByServer);
        QVERIFY(sent < head.size() - 2);
        QVERIFY2(received.startsWith("HTTP/1.1 408 "), received.constData());
        QCOMPARE(closed(ConnectionWatchdog::RequestTimeout), 1.0);
    }

    // What the issue measured: a few hundred of them from one address were held for good.
    void manySilentConnectionsAndUnfinishedUpgradesAreAllClosed() {
        ConnectionWatchdog::Settings settings;
        settings.requestTimeoutMs = 500;
        QVERIFY(startWith(settings));
        constexpr int kEach = 100;
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 2 * kEach; ++i) {
            sockets.push_back(connectRaw());
            QVERIFY(sockets.back());
            if (i % 2 == 1)
                sockets.back()->write(upgradeHead(QUuid::createUuid()));
        }
        QVERIFY(QTest::qWaitFor(
            [&] {
                return std::all_of(sockets.begin(), sockets.end(), [](const auto &socket) {
                    socket->readAll();
                    return socket->state() == QAbstractSocket::UnconnectedState;
                });
            },
            kWaitMs));
        QCOMPARE(closed(ConnectionWatchdog::RequestTimeout), double(2 * kEach));
        QTRY_COMPARE_WITH_TIMEOUT(server->backend->metrics()->value(ServerMetrics::Connections),
                                  0.0, kWaitMs);
    }

    void aKeptAliveIdleConnectionIsClosed() {
        ConnectionWatchdog::Settings settings;
        settings.idleTimeoutMs = 300;
        QVERIFY(startWith(settings));
        auto socket = connectRaw();
        QVERIFY(socket);
        socket->write(healthz());
        QByteArray received;
        QVERIFY(waitForServerClose(socket.get(), &received));
        QVERIFY2(received.startsWith("HTTP/1.1 200 "), received.constData());
        QVERIFY(received.endsWith("{\"status\":\"ok\"}")); // one whole answer, then the close
        QCOMPARE(closed(ConnectionWatchdog::Idle), 1.0);
        QCOMPARE(closed(ConnectionWatchdog::RequestTimeout), 0.0);
    }

    void aKeptAliveConnectionServesSeveralRequests() {
        ConnectionWatchdog::Settings settings;
        settings.idleTimeoutMs = 2000;
        QVERIFY(startWith(settings));
        auto socket = connectRaw();
        QVERIFY(socket);
        for (int i = 0; i < 3; ++i) {
            socket->write(healthz());
            QByteArray received;
            QVERIFY(QTest::qWaitFor(
                [&] {
                    received += socket->readAll();
                    return received.endsWith("{\"status\":\"ok\"}");
                },
                kWaitMs));
            QVERIFY(socket->state() == QAbstractSocket::ConnectedState);
        }
        QCOMPARE(closed(ConnectionWatchdog::Idle), 0.0);
    }

    void aPeerThatStopsAnsweringPingsIsClosedAndItsSessionEnds() {
        ConnectionWatchdog::Settings settings;
        settings.pingIntervalMs = 200;
        settings.pingTimeoutMs = 300;
        QVERIFY(startWith(settings));
        const QUuid id = QUuid::createUuid();
        auto socket = connectRaw();
        QVERIFY(socket);
        // The upgrade done by hand; afterwards this client never sends a byte (no pong).
        socket->write(upgradeHead(id) + "\r\n");
        QByteArray received;
        QVERIFY(QTest::qWaitFor(
            [&] {
                received += socket->readAll();
                return received.contains("\r\n\r\n");
            },
            kWaitMs));
        QVERIFY2(received.startsWith("HTTP/1.1 101 "), received.constData());
        QVERIFY(QTest::qWaitFor([&] { return server->session(id).has_value(); }, kWaitMs));
        QVERIFY(waitForServerClose(socket.get()));
        QVERIFY(server->waitForEnded(id));
        QCOMPARE(closed(ConnectionWatchdog::Keepalive), 1.0);
        QTRY_COMPARE_WITH_TIMEOUT(server->backend->metrics()->value(ServerMetrics::ActiveSessions),
                                  0.0, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(
            server->backend->metrics()->value(ServerMetrics::WebSocketConnections), 0.0, kWaitMs);
    }

    void aLiveClientIsNotClosedAcrossManyPings() {
        ConnectionWatchdog::Settings settings;
        settings.pingIntervalMs = 100;
        settings.pingTimeoutMs = 200;
        QVERIFY(startWith(settings));
        const QUuid id = QUuid::createUuid();
        WsTestClient client;
        QVERIFY(client.open(server->wsUrl(id, u"alice"_s)));
        QCOMPARE(client.waitFor(u"session"_s).value(u"type"_s).toString(), u"session"_s);
        // QWebSocket answers pings by itself while its event loop runs.
        QTest::qWait(1500); // fifteen ping intervals, seven times the ping timeout
        QVERIFY(client.isConnected());
        client.sendJson({{u"type"_s, u"message"_s}, {u"text"_s, u"still there?"_s}});
        const QList<QJsonObject> turn = client.waitForTurn();
        QVERIFY(!turn.isEmpty());
        QCOMPARE(WsTestClient::contentOf(turn), u"OK."_s);
        QVERIFY(client.isConnected());
        QCOMPARE(closed(ConnectionWatchdog::Keepalive), 0.0);
    }

    void thePerAddressCapRefusesAndAdmitsAgainAfterOneCloses() {
        ConnectionWatchdog::Settings settings;
        settings.maxLoopbackConnections = 3; // the tests connect from 127.0.0.1
        QVERIFY(startWith(settings));
        std::vector<std::unique_ptr<QTcpSocket>> held;
        for (int i = 0; i < 3; ++i) {
            held.push_back(connectRaw());
            QVERIFY(held.back());
        }
        QTRY_COMPARE_WITH_TIMEOUT(server->backend->metrics()->value(ServerMetrics::Connections),
                                  3.0, kWaitMs);

        const TestHttp::Response refused = TestHttp::raw(server->url().port(), healthz());
        QCOMPARE(refused.status, 429);
        QCOMPARE(refused.json().value(u"error"_s).toObject().value(u"code"_s).toString(),
                 u"too_many_connections"_s);
        // An upgrade gets the same answer, before any upgrade.
        const TestHttp::Response refusedUpgrade =
            TestHttp::raw(server->url().port(), upgradeHead(QUuid::createUuid()) + "\r\n");
        QCOMPARE(refusedUpgrade.status, 429);
        QCOMPARE(server->backend->metrics()->value(ServerMetrics::WebSocketConnections), 0.0);
        QCOMPARE(closed(ConnectionWatchdog::PerAddressCap), 2.0);

        held.pop_back(); // one closes
        QTRY_COMPARE_WITH_TIMEOUT(server->backend->metrics()->value(ServerMetrics::Connections),
                                  2.0, kWaitMs);
        QCOMPARE(TestHttp::raw(server->url().port(), healthz()).status, 200);

        // A WebSocket connection holds a place until it closes, too.
        QTRY_COMPARE_WITH_TIMEOUT(server->backend->metrics()->value(ServerMetrics::Connections),
                                  2.0, kWaitMs);
        auto client = std::make_unique<WsTestClient>();
        QVERIFY(client->open(server->wsUrl(QUuid::createUuid(), u"alice"_s)));
        QCOMPARE(client->waitFor(u"session"_s).value(u"type"_s).toString(), u"session"_s);
        QCOMPARE(TestHttp::raw(server->url().port(), healthz()).status, 429);
        client->close();
        QVERIFY(client->waitForClosed());
        client.reset();
        QTRY_COMPARE_WITH_TIMEOUT(server->backend->metrics()->value(ServerMetrics::Connections),
                                  2.0, kWaitMs);
        QCOMPARE(TestHttp::raw(server->url().port(), healthz()).status, 200);
        QCOMPARE(closed(ConnectionWatchdog::PerAddressCap), 3.0);

        // /metrics shows the counts by reason.
        held.pop_back();
        QTRY_COMPARE_WITH_TIMEOUT(server->backend->metrics()->value(ServerMetrics::Connections),
                                  1.0, kWaitMs);
        const TestHttp::Response metrics = TestHttp::get(server->httpUrl(u"/metrics"_s));
        QCOMPARE(metrics.status, 200);
        QVERIFY(
            metrics.body.contains("rtai_connections_closed_total{reason=\"per_address_cap\"} 3"));
    }
};

QTEST_GUILESS_MAIN(TstServerTimeouts)
#include "tst_servertimeouts.moc"
