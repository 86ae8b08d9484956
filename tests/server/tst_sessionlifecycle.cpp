// A session's life follows its socket in every path (issue 15): clients that reset the TCP
// connection right after the 101, while the session is still opening, during a turn and while
// replacing an older connection leave no live session behind, and every session they opened
// ends and is summarized. Real sockets against an in-process Backend (real SQLite file) and the
// mock LLM; the resets are RSTs (SO_LINGER 0), written by hand over QTcpSocket.

#include "ServerTestSupport.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"
#include "server/SessionSocket.h"

#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpSocket>
#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace {

// Closes `socket` with a TCP reset rather than a FIN.
void reset(QTcpSocket *socket) {
    const struct linger noLinger { 1, 0 };
    ::setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &noLinger,
                 sizeof noLinger);
    socket->abort();
}

// A masked client text frame (RFC 6455 5.2), for payloads under 126 bytes.
QByteArray maskedTextFrame(const QByteArray &payload) {
    Q_ASSERT(payload.size() < 126);
    QByteArray frame;
    frame.append(char(0x81));
    frame.append(char(0x80 | payload.size()));
    const quint32 key = QRandomGenerator::global()->generate();
    const char mask[4] = {char(key >> 24), char(key >> 16), char(key >> 8), char(key)};
    frame.append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        frame.append(char(payload.at(i) ^ mask[i % 4]));
    return frame;
}

QByteArray upgradeRequest(quint16 port, const QUuid &id, const QByteArray &user) {
    return "GET /ws/session/" + Ids::toText(id).toLatin1() + "?user_id=" + user +
           " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

} // namespace

class TstSessionLifecycle : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<InProcessServer> server;

    // Connects over raw TCP and writes the upgrade (and `then`, e.g. frames).
    std::unique_ptr<QTcpSocket> rawConnect(const QUuid &id, const QByteArray &then = {}) {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QHostAddress::LocalHost, server->url().port());
        if (!socket->waitForConnected(5000))
            return nullptr;
        socket->write(upgradeRequest(server->url().port(), id, "raw") + then);
        socket->flush();
        return socket;
    }
    // Reads until `marker` arrived (the bytes are kept in `seen`); false on timeout.
    static bool readUntil(QTcpSocket *socket, QByteArray *seen, const QByteArray &marker,
                          int timeoutMs = 10000) {
        return QTest::qWaitFor(
            [&] {
                *seen += socket->readAll();
                return seen->contains(marker);
            },
            timeoutMs);
    }

    double metric(const QString &name) const {
        const QByteArray text = TestHttp::get(server->httpUrl(u"/metrics"_s)).body;
        const QRegularExpression line(u"^"_s + QRegularExpression::escape(name) +
                                          u" ([0-9.e+-]+)$"_s,
                                      QRegularExpression::MultilineOption);
        const QRegularExpressionMatch match = line.match(QString::fromUtf8(text));
        return match.hasMatch() ? match.captured(1).toDouble() : -1;
    }
    int activeOverRest() const {
        return int(TestHttp::get(server->httpUrl(u"/api/sessions?status=active&limit=200"_s))
                       .json()
                       .value(u"sessions"_s)
                       .toArray()
                       .size());
    }
    // No live session and no connection, by REST and by the metrics alike; every session of
    // `ids` that was created is ended and summarized; the consistency check repaired nothing.
    void verifyAllEnded(const QList<QUuid> &ids, int *created = nullptr) {
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         return metric(u"rtai_active_sessions"_s) == 0 &&
                                metric(u"rtai_websocket_connections"_s) == 0 &&
                                activeOverRest() == 0;
                     },
                     20000),
                 qPrintable(u"live sessions %1, connections %2, active over REST %3"_s
                                .arg(metric(u"rtai_active_sessions"_s))
                                .arg(metric(u"rtai_websocket_connections"_s))
                                .arg(activeOverRest())));
        int count = 0;
        for (const QUuid &id : ids) {
            if (!server->session(id))
                continue; // reset before the server took the connection: nothing was opened
            ++count;
            QVERIFY2(server->waitForSummary(id), qPrintable(Ids::toText(id)));
            const QStringList types = [&] {
                QStringList t;
                for (const Event &event : server->events(id))
                    t << event.type;
                return t;
            }();
            QVERIFY2(types.contains(u"session_end"_s), qPrintable(types.join(u',')));
        }
        QCOMPARE(metric(u"rtai_session_repairs_total"_s), 0.0);
        if (created)
            *created = count;
    }
    void slowReplies(int tokenDelayMs) {
        server->llm.setResponder([tokenDelayMs](const MockLlmRequest &request) {
            if (isSummaryRequest(request))
                return MockLlmReply::text(kMockSummary);
            QStringList tokens;
            for (int i = 0; i < 20; ++i)
                tokens << u"tok%1 "_s.arg(i);
            return MockLlmReply::tokens(tokens, tokenDelayMs);
        });
    }

private Q_SLOTS:
    void init() {
        server = std::make_unique<InProcessServer>();
        QVERIFY(server->start());
    }
    void cleanup() { server.reset(); }

    void resetRightAfterTheUpgradeResponse() {
        QList<QUuid> ids;
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 40; ++i) {
            ids << QUuid::createUuid();
            sockets.push_back(rawConnect(ids.last()));
            QVERIFY(sockets.back());
        }
        for (auto &socket : sockets) {
            QByteArray seen;
            QVERIFY(readUntil(socket.get(), &seen, "\r\n\r\n"));
            QVERIFY2(seen.startsWith("HTTP/1.1 101"), seen.constData());
            reset(socket.get()); // before the session frame: the session is still opening
        }
        int created = 0;
        verifyAllEnded(ids, &created);
        qInfo() << created << "of" << ids.size() << "reset connections had opened a session";
    }

    void resetWithoutWaitingForTheUpgrade() {
        QList<QUuid> ids;
        for (int i = 0; i < 40; ++i) {
            ids << QUuid::createUuid();
            auto socket = rawConnect(ids.last());
            QVERIFY(socket);
            if (i % 2)
                QTest::qWait(1); // let the server read the request sometimes
            reset(socket.get());
        }
        QTest::qWait(200);
        verifyAllEnded(ids);
    }

    void resetWhileOpeningWithFramesHeld() {
        // A user message written together with the upgrade is held until the session is open;
        // the client is gone before that.
        QList<QUuid> ids;
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 30; ++i) {
            ids << QUuid::createUuid();
            sockets.push_back(rawConnect(ids.last(), maskedTextFrame("hello while opening")));
            QVERIFY(sockets.back());
        }
        for (auto &socket : sockets) {
            QByteArray seen;
            QVERIFY(readUntil(socket.get(), &seen, "\r\n\r\n"));
            reset(socket.get());
        }
        verifyAllEnded(ids);
    }

    void resetDuringATurn() {
        slowReplies(20);
        QList<QUuid> ids;
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 10; ++i) {
            ids << QUuid::createUuid();
            sockets.push_back(rawConnect(ids.last()));
            QVERIFY(sockets.back());
        }
        for (auto &socket : sockets) {
            QByteArray seen;
            QVERIFY(readUntil(socket.get(), &seen, "\"type\":\"session\""));
            socket->write(maskedTextFrame("tell me a story"));
            QVERIFY(readUntil(socket.get(), &seen, "\"type\":\"content\""));
            reset(socket.get());
        }
        int created = 0;
        verifyAllEnded(ids, &created);
        QCOMPARE(created, int(ids.size()));
        // The turn in flight finished and was stored before the session ended.
        for (const QUuid &id : std::as_const(ids)) {
            const QList<Event> replies = server->eventsOfType(id, u"assistant_message"_s);
            QCOMPARE(replies.size(), 1);
            QVERIFY(replies.first().content.contains(u"tok19"_s));
            QCOMPARE(server->eventsOfType(id, u"user_message"_s).size(), 1);
        }
    }

    void resetOfTheReplacingConnection_data() {
        QTest::addColumn<bool>("duringTurn");
        QTest::newRow("idle") << false;
        QTest::newRow("during a turn") << true;
    }
    void resetOfTheReplacingConnection() {
        QFETCH(bool, duringTurn);
        slowReplies(20);
        QList<QUuid> ids;
        std::vector<std::unique_ptr<WsTestClient>> olders;
        for (int i = 0; i < 10; ++i) {
            ids << QUuid::createUuid();
            auto older = std::make_unique<WsTestClient>();
            QVERIFY(older->open(server->wsUrl(ids.last(), u"raw"_s)));
            QCOMPARE(older->waitFor().value(u"type"_s).toString(), u"session"_s);
            if (duringTurn) {
                older->sendText(u"tell me a story"_s);
                QVERIFY(!older->waitFor(u"content"_s).isEmpty());
            }
            olders.push_back(std::move(older));
        }
        for (const QUuid &id : std::as_const(ids)) {
            auto newer = rawConnect(id);
            QVERIFY(newer);
            QByteArray seen;
            QVERIFY(readUntil(newer.get(), &seen, "\r\n\r\n"));
            reset(newer.get());
        }
        // The newer connections replaced the older ones (4000) and are gone too.
        for (auto &older : olders) {
            QVERIFY(older->waitForClosed());
            QCOMPARE(older->closeCode(), 4000);
        }
        verifyAllEnded(ids);
        if (duringTurn)
            for (const QUuid &id : std::as_const(ids))
                QCOMPARE(server->eventsOfType(id, u"assistant_message"_s).size(), 1);
    }

    void resetOfAConnectionOpeningBesideAnother() {
        // Two connections open the same new session at once (one lookup); one is reset while
        // the session is opening. The other keeps the session; when it leaves, the session ends.
        QList<QUuid> ids;
        std::vector<std::unique_ptr<WsTestClient>> keepers;
        for (int i = 0; i < 10; ++i) {
            ids << QUuid::createUuid();
            auto doomed = rawConnect(ids.last());
            QVERIFY(doomed);
            auto keeper = std::make_unique<WsTestClient>();
            QVERIFY(keeper->open(server->wsUrl(ids.last(), u"raw"_s)));
            reset(doomed.get());
            keepers.push_back(std::move(keeper));
        }
        for (auto &keeper : keepers) {
            const QJsonObject frame = keeper->waitFor(u"session"_s, 5000);
            if (frame.isEmpty()) // replaced by the doomed one, which came second
                QVERIFY(keeper->waitForClosed());
            else
                keeper->close();
        }
        verifyAllEnded(ids);
    }

    void consistencyCheckRepairsNothingThatIsFine() {
        // The check every 20 ms, while sessions open, turn, are replaced and leave.
        server.reset();
        server = std::make_unique<InProcessServer>();
        SessionSocket::Limits limits;
        limits.consistencyCheckMs = 20;
        server->socketLimits = limits;
        QVERIFY(server->start());
        slowReplies(5);
        QList<QUuid> ids;
        for (int i = 0; i < 5; ++i) {
            ids << QUuid::createUuid();
            WsTestClient first;
            QVERIFY(first.open(server->wsUrl(ids.last(), u"fine"_s)));
            QCOMPARE(first.waitFor().value(u"type"_s).toString(), u"session"_s);
            first.sendText(u"hello"_s);
            QVERIFY(!first.waitFor(u"content"_s).isEmpty());
            WsTestClient second;
            QVERIFY(second.open(server->wsUrl(ids.last(), u"fine"_s)));
            QCOMPARE(second.waitFor().value(u"type"_s).toString(), u"session"_s);
            QVERIFY(first.waitForClosed());
            QTest::qWait(50);
            second.sendText(u"again"_s);
            QVERIFY(!second.waitForTurn().isEmpty());
            QCOMPARE(metric(u"rtai_session_repairs_total"_s), 0.0);
            second.close();
        }
        verifyAllEnded(ids);
    }
};

QTEST_GUILESS_MAIN(TstSessionLifecycle)
#include "tst_sessionlifecycle.moc"
