// RFC 6455 and HTTP conformance of the whole server over real sockets: what a hostile or broken
// client sends gets the status or close code the RFCs ask for, and a well-formed client right
// beside it is served as always.

#include "ServerTestSupport.h"
#include "core/MetricsRegistry.h"
#include "fixtures/ClientFrameBytes.h"
#include "server/ConnectionWatchdog.h"
#include "server/HttpRequestHead.h"
#include "server/Protocol.h"
#include "server/ServerMetrics.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

constexpr int kWaitMs = 10000;

// The first bytes of a TLS 1.2 ClientHello record, as a browser sends them to https://.
const QByteArray kClientHello = QByteArray::fromHex(
    "16030100a5010000a10303000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "000020c02bc02fc02cc030cca9cca8c013c014009c009d002f0035c012000a01000058");

} // namespace

class TstConformance : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<InProcessServer> server;

    double closed(const QString &reason) const { return server->connectionsClosed(reason); }
    std::unique_ptr<QTcpSocket> connectRaw() { return server->connectRaw(); }

    // Sends `bytes` on a new connection and returns all the server sent until it closed it
    // (empty, with a failure, when it did not close it).
    QByteArray answerUntilClose(const QByteArray &bytes) {
        auto socket = connectRaw();
        if (!socket)
            return {};
        socket->write(bytes);
        QByteArray data;
        const bool closedByServer = QTest::qWaitFor(
            [&] {
                data += socket->readAll();
                return socket->state() == QAbstractSocket::UnconnectedState;
            },
            kWaitMs);
        data += socket->readAll();
        if (!closedByServer)
            qWarning() << "the server did not close the connection; it sent" << data;
        return closedByServer ? data : QByteArray();
    }

    QByteArray host() const {
        return "Host: 127.0.0.1:" + QByteArray::number(server->url().port());
    }

    QByteArray upgradeHead(const QByteArray &extraHeaders = {}) const {
        return "GET /ws/session/" + Ids::toText(QUuid::createUuid()).toLatin1() +
               "?user_id=alice HTTP/1.1\r\n" + host() +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
               extraHeaders + "\r\n";
    }

    // The status of an HTTP answer and the code of its JSON error body.
    static std::pair<int, QString> statusAndCode(const QByteArray &answer) {
        if (!answer.startsWith("HTTP/1.1 "))
            return {0, {}};
        const int status = answer.mid(9, 3).toInt();
        const qsizetype bodyStart = answer.indexOf("\r\n\r\n");
        const QJsonObject body = QJsonDocument::fromJson(answer.mid(bodyStart + 4))
                                     .object()
                                     .value(u"error"_s)
                                     .toObject();
        return {status, body.value(u"code"_s).toString()};
    }

    // A client frame: masked (as RFC 6455 requires of clients) unless `masked` is false.
    static QByteArray clientFrame(int opcode, const QByteArray &payload, bool masked = true,
                                  bool final = true) {
        return clientFrameBytes(opcode, payload, masked, final);
    }

    struct ServerFrame {
        int opcode = 0;
        QByteArray payload;
    };
    // The whole frames at the start of what the server sent after its 101.
    static QList<ServerFrame> serverFrames(const QByteArray &bytes) {
        QList<ServerFrame> frames;
        qsizetype pos = 0;
        while (pos + 2 <= bytes.size()) {
            const int opcode = bytes.at(pos) & 0x0f;
            qsizetype length = bytes.at(pos + 1) & 0x7f;
            qsizetype start = pos + 2;
            if (length == 126) {
                if (start + 2 > bytes.size())
                    break;
                length = (qsizetype(uchar(bytes.at(start))) << 8) | uchar(bytes.at(start + 1));
                start += 2;
            }
            if (start + length > bytes.size())
                break;
            frames.append({opcode, bytes.mid(start, length)});
            pos = start + length;
        }
        return frames;
    }

    // Upgrades a raw connection; returns it once the 101 came (what followed it in *afterHead).
    std::unique_ptr<QTcpSocket> upgradeRaw(const QUuid &id, QByteArray *afterHead) {
        auto socket = connectRaw();
        if (!socket)
            return nullptr;
        socket->write("GET /ws/session/" + Ids::toText(id).toLatin1() +
                      "?user_id=alice HTTP/1.1\r\n" + host() +
                      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n");
        QByteArray data;
        if (!QTest::qWaitFor(
                [&] {
                    data += socket->readAll();
                    return data.contains("\r\n\r\n");
                },
                kWaitMs) ||
            !data.startsWith("HTTP/1.1 101"))
            return nullptr;
        *afterHead = data.mid(data.indexOf("\r\n\r\n") + 4);
        return socket;
    }

    // Reads until a frame of `opcode` came or the server closed; all frames since the 101.
    static QList<ServerFrame> readUntil(QTcpSocket *socket, QByteArray *received, int opcode) {
        const bool arrived = QTest::qWaitFor(
            [&] {
                *received += socket->readAll();
                const auto frames = serverFrames(*received);
                return socket->state() == QAbstractSocket::UnconnectedState ||
                       std::any_of(frames.begin(), frames.end(),
                                   [opcode](const ServerFrame &f) { return f.opcode == opcode; });
            },
            kWaitMs);
        Q_UNUSED(arrived); // the caller checks what came
        *received += socket->readAll();
        return serverFrames(*received);
    }

    static ServerFrame closeFrame(const QList<ServerFrame> &frames) {
        const auto it = std::find_if(frames.begin(), frames.end(),
                                     [](const ServerFrame &frame) { return frame.opcode == 8; });
        return it == frames.end() ? ServerFrame{} : *it;
    }

    static bool hasContent(const QList<ServerFrame> &frames, const QByteArray &type) {
        return std::any_of(frames.begin(), frames.end(), [&type](const ServerFrame &frame) {
            return frame.opcode == 1 &&
                   frame.payload.contains(QByteArray("\"type\":\"" + type + "\""));
        });
    }

private Q_SLOTS:
    void init() {
        server = std::make_unique<InProcessServer>();
        QVERIFY(server->start());
    }
    void cleanup() { server.reset(); }

    void badRequestsGetTheirStatusThenAClose_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("reason");
        const QByteArray longPath = "/" + QByteArray(HttpRequestHead::kMaxBytes, 'a');
        QTest::newRow("request line over the limit")
            << QByteArray("GET " + longPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") << 431
            << Protocol::Error::HeadersTooLarge << ConnectionWatchdog::HeadersTooLarge;
        QTest::newRow("upgrade with a header over the limit")
            << QByteArray() << 431 << Protocol::Error::HeadersTooLarge
            << ConnectionWatchdog::HeadersTooLarge;
        QTest::newRow("garbage") << QByteArray("GARBAGE\r\n\r\n") << 400
                                 << Protocol::Error::BadRequest << ConnectionWatchdog::BadRequest;
        QTest::newRow("tls client hello")
            << kClientHello << 400 << Protocol::Error::BadRequest << ConnectionWatchdog::BadRequest;
        QTest::newRow("http/9.9") << QByteArray("GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n") << 505
                                  << Protocol::Error::HttpVersionNotSupported
                                  << ConnectionWatchdog::HttpVersion;
        QTest::newRow("unknown method")
            << QByteArray("BREW /pot HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") << 501
            << Protocol::Error::NotImplemented << ConnectionWatchdog::BadRequest;
    }
    void badRequestsGetTheirStatusThenAClose() {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QString, reason);
        if (request.isEmpty())
            request =
                upgradeHead("X-Padding: " + QByteArray(HttpRequestHead::kMaxBytes, 'p') + "\r\n");
        const QByteArray answer = answerUntilClose(request);
        QVERIFY2(!answer.isEmpty(), "no answer before the close");
        const auto [answeredStatus, answeredCode] = statusAndCode(answer);
        QVERIFY2(answeredStatus == status, answer.left(200).constData());
        QCOMPARE(answeredCode, code);
        QVERIFY(answer.contains("\r\nConnection: close\r\n"));
        QCOMPARE(closed(reason), 1.0);
        QTRY_COMPARE_WITH_TIMEOUT(server->backend->metrics()->value(ServerMetrics::Connections),
                                  0.0, kWaitMs);
    }

    void aHeadJustUnderTheLimitIsServed() {
        // Qt's own parser must accept every head ours lets through, or it would drop it unanswered.
        QByteArray request = "GET /healthz HTTP/1.1\r\n" + host() + "\r\nX-Padding: ";
        request += QByteArray(HttpRequestHead::kMaxBytes - request.size() - 4, 'p') + "\r\n\r\n";
        QCOMPARE(request.size(), HttpRequestHead::kMaxBytes);
        auto socket = connectRaw();
        QVERIFY(socket);
        socket->write(request);
        QByteArray answer;
        QVERIFY(QTest::qWaitFor(
            [&] {
                answer += socket->readAll();
                return answer.contains("{\"status\":\"ok\"}");
            },
            kWaitMs));
        QVERIFY(answer.startsWith("HTTP/1.1 200 OK\r\n"));
    }

    void aHeadThatTricklesInIsScreenedWhole() {
        // The bad byte comes in a later segment than the start of the request line.
        auto socket = connectRaw();
        QVERIFY(socket);
        socket->write("GET / HT");
        socket->flush();
        QTest::qWait(50);
        socket->write("TP/9.9\r\n" + host() + "\r\n\r\n");
        QByteArray answer;
        QVERIFY(QTest::qWaitFor(
            [&] {
                answer += socket->readAll();
                return socket->state() == QAbstractSocket::UnconnectedState;
            },
            kWaitMs));
        answer += socket->readAll();
        QCOMPARE(statusAndCode(answer).first, 505);
    }

    void aKeptAliveConnectionIsScreenedAtEachRequest() {
        auto socket = connectRaw();
        QVERIFY(socket);
        socket->write("GET /healthz HTTP/1.1\r\n" + host() + "\r\n\r\n");
        QByteArray answer;
        QVERIFY(QTest::qWaitFor(
            [&] {
                answer += socket->readAll();
                return answer.contains("{\"status\":\"ok\"}");
            },
            kWaitMs));
        answer.clear();
        socket->write("GARBAGE\r\n\r\n");
        QVERIFY(QTest::qWaitFor(
            [&] {
                answer += socket->readAll();
                return socket->state() == QAbstractSocket::UnconnectedState;
            },
            kWaitMs));
        answer += socket->readAll();
        QCOMPARE(statusAndCode(answer), std::make_pair(400, Protocol::Error::BadRequest));
    }

    void anUnmaskedClientFrameIsClosedWith1002AndNeverServed() {
        // Control: the raw client's masked message is served.
        QByteArray received;
        const QUuid served = QUuid::createUuid();
        auto control = upgradeRaw(served, &received);
        QVERIFY(control);
        QVERIFY(hasContent(readUntil(control.get(), &received, 1), "session"));
        control->write(clientFrame(1, "hello"));
        QVERIFY(QTest::qWaitFor(
            [&] {
                received += control->readAll();
                return hasContent(serverFrames(received), "done");
            },
            kWaitMs));

        const QUuid id = QUuid::createUuid();
        received.clear();
        auto socket = upgradeRaw(id, &received);
        QVERIFY(socket);
        QVERIFY(hasContent(readUntil(socket.get(), &received, 1), "session"));
        socket->write(clientFrame(1, "hello", false));
        const QList<ServerFrame> frames = readUntil(socket.get(), &received, 8);
        QVERIFY(!frames.isEmpty());
        const ServerFrame close = closeFrame(frames);
        QCOMPARE(close.opcode, 8);
        QVERIFY(close.payload.size() >= 2);
        QCOMPARE((int(uchar(close.payload.at(0))) << 8) | uchar(close.payload.at(1)), 1002);
        QVERIFY(!hasContent(frames, "content") && !hasContent(frames, "done"));
        QVERIFY(QTest::qWaitFor(
            [&] {
                socket->readAll();
                return socket->state() == QAbstractSocket::UnconnectedState;
            },
            kWaitMs));
        QCOMPARE(closed(ConnectionWatchdog::ProtocolError), 1.0);
        QVERIFY(server->waitForEnded(id));
        QVERIFY(server->eventsOfType(id, u"user_message"_s).isEmpty());
        QCOMPARE(server->eventsOfType(served, u"user_message"_s).size(), 1);
    }

    void anUnmaskedFrameAfterMaskedOnesIsFoundAcrossSegments() {
        // The unmasked frame follows a long masked one (two-byte length) and comes split.
        const QUuid id = QUuid::createUuid();
        QByteArray received;
        auto socket = upgradeRaw(id, &received);
        QVERIFY(socket);
        QVERIFY(hasContent(readUntil(socket.get(), &received, 1), "session"));
        const QByteArray stream = clientFrame(9, "ping?") + clientFrame(1, QByteArray(300, 'x')) +
                                  clientFrame(1, "plain", false);
        for (qsizetype at = 0; at < stream.size(); at += 7) {
            socket->write(stream.mid(at, 7));
            socket->flush();
            QTest::qWait(1);
        }
        const QList<ServerFrame> frames = readUntil(socket.get(), &received, 8);
        const ServerFrame close = closeFrame(frames);
        QCOMPARE(close.opcode, 8);
        QVERIFY(close.payload.size() >= 2);
        QCOMPARE((int(uchar(close.payload.at(0))) << 8) | uchar(close.payload.at(1)), 1002);
    }

    // Qt 6.4 decodes each frame's UTF-8 on its own (1007 for a split character); the server
    // joins the fragments first (WebSocketTextJoiner).
    void aCharacterSplitAcrossFragmentsIsAccepted_data() {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<QString>("text");
        const QByteArray euro = "\xe2\x82\xac";
        QTest::newRow("two fragments") << clientFrame(1, "price: " + euro.first(1), true, false) +
                                              clientFrame(0, euro.sliced(1) + "5", true, true)
                                       << u"price: \u20ac5"_s;
        // A four-byte character over three fragments, a ping between them, a long middle one.
        const QByteArray face = "\xf0\x9f\x98\x80";
        QTest::newRow("three fragments and a ping")
            << clientFrame(1, QByteArray(200, 'a') + face.first(1), true, false) +
                   clientFrame(9, "ping?") + clientFrame(0, face.sliced(1, 2), true, false) +
                   clientFrame(0, face.sliced(3) + "!", true, true)
            << QString(200, u'a') + QString::fromUtf8(face) + u'!';
    }
    void aCharacterSplitAcrossFragmentsIsAccepted() {
        QFETCH(QByteArray, stream);
        QFETCH(QString, text);
        const QUuid id = QUuid::createUuid();
        QByteArray received;
        auto socket = upgradeRaw(id, &received);
        QVERIFY(socket);
        QVERIFY(hasContent(readUntil(socket.get(), &received, 1), "session"));
        // Byte by byte, so that every frame and header arrives split.
        for (const char byte : stream) {
            socket->write(&byte, 1);
            socket->flush();
        }
        QVERIFY(QTest::qWaitFor(
            [&] {
                received += socket->readAll();
                return hasContent(serverFrames(received), "done") ||
                       socket->state() == QAbstractSocket::UnconnectedState;
            },
            kWaitMs));
        QCOMPARE(closeFrame(serverFrames(received)).opcode, 0);
        const QList<Event> stored = server->eventsOfType(id, u"user_message"_s);
        QCOMPARE(stored.size(), 1);
        QCOMPARE(stored.first().content, text);
    }
};

QTEST_GUILESS_MAIN(TstConformance)
#include "tst_conformance.moc"
