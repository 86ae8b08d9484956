// The WebSocket session protocol of PROTOCOL.md, end to end over real sockets: an in-process
// Backend (real HTTP/WebSocket server, real SQLite file) and the mock OpenAI-compatible server.

#include "ServerTestSupport.h"
#include "chat/Conversation.h"
#include "core/MetricsRegistry.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"
#include "server/ServerMetrics.h"
#include "server/SessionManager.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QTcpSocket>

using namespace Qt::StringLiterals;

class TstServerProtocol : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<InProcessServer> server;

    // Connects a client and reads its `session` frame.
    std::unique_ptr<WsTestClient> connectClient(const QUuid &id, const QString &user,
                                                QJsonObject *sessionFrame = nullptr) {
        auto client = std::make_unique<WsTestClient>();
        if (!client->open(server->wsUrl(id, user)))
            return nullptr;
        const QJsonObject frame = client->waitFor();
        if (sessionFrame)
            *sessionFrame = frame;
        if (frame.value(u"type"_s).toString() != u"session")
            return nullptr;
        return client;
    }

    // A WebSocket upgrade written by hand, for Host headers a WebSocket client will not send.
    TestHttp::Response rawUpgrade(const QUuid &id, const QByteArray &host,
                                  const QByteArray &origin) {
        QByteArray request =
            "GET /ws/session/" + Ids::toText(id).toLatin1() + "?user_id=raw HTTP/1.1\r\n";
        if (!host.isEmpty())
            request += "Host: " + host + "\r\n";
        if (!origin.isEmpty())
            request += "Origin: " + origin + "\r\n";
        request +=
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        return TestHttp::raw(server->url().port(), request);
    }
    QByteArray withPort(QByteArray text) const {
        return text.replace("PORT", QByteArray::number(server->url().port()));
    }

private Q_SLOTS:
    void init() {
        server = std::make_unique<InProcessServer>();
        QVERIFY(server->start());
    }
    void cleanup() { server.reset(); }

    void plainTextTurn() {
        const QUuid id = QUuid::createUuid();
        QJsonObject session;
        auto client = connectClient(id, u"ada"_s, &session);
        QVERIFY(client);
        QCOMPARE(session.value(u"session_id"_s).toString(), Ids::toText(id));
        QCOMPARE(session.value(u"user_id"_s).toString(), u"ada"_s);
        QCOMPARE(session.value(u"resumed"_s).toBool(true), false);
        QCOMPARE(session.value(u"model"_s).toString(), u"mock-model"_s);
        QCOMPARE(session.value(u"max_message_bytes"_s).toInt(), server->config.maxMessageBytes);

        server->llm.enqueue(MockLlmReply::tokens({u"Hello"_s, u" Ada"_s}).withUsage(12, 2));
        client->sendText(u"Hello, I'm Ada"_s);
        const QList<QJsonObject> turn = client->waitForTurn();
        QCOMPARE(WsTestClient::typesOf(turn), (QStringList{u"content"_s, u"content"_s, u"done"_s}));
        QCOMPARE(turn.at(0).value(u"value"_s).toString(), u"Hello"_s);
        QCOMPARE(turn.at(1).value(u"value"_s).toString(), u" Ada"_s);
        const QJsonObject done = turn.last();
        QCOMPARE(done.value(u"finish_reason"_s).toString(), u"stop"_s);
        QCOMPARE(done.value(u"usage"_s).toObject(),
                 (QJsonObject{{u"prompt_tokens"_s, 12}, {u"completion_tokens"_s, 2}}));
        QVERIFY(done.value(u"ttft_ms"_s).toInteger(-1) >= 0);
        QVERIFY(done.value(u"duration_ms"_s).toInteger(-1) >= 0);
        QCOMPARE(lastUserText(server->llm.lastRequest()), u"Hello, I'm Ada"_s);

        const QList<Event> events = server->events(id);
        QStringList types;
        for (const Event &event : events)
            types << event.type;
        QCOMPARE(types, (QStringList{EventType::SessionStart, EventType::UserMessage,
                                     EventType::AssistantMessage}));
        QCOMPARE(events.at(1).content, u"Hello, I'm Ada"_s);
        QCOMPARE(events.at(2).content, u"Hello Ada"_s);
        const auto stored = server->session(id);
        QVERIFY(stored);
        QCOMPARE(stored->userId, u"ada"_s);
        QVERIFY(stored->isActive());
    }

    void commandsAndOtherJson() {
        auto client = connectClient(QUuid::createUuid(), u"u1"_s);
        QVERIFY(client);
        client->sendJson({{u"type"_s, u"ping"_s}});
        QCOMPARE(client->waitFor(), (QJsonObject{{u"type"_s, u"pong"_s}}));

        server->llm.enqueue(MockLlmReply::text(u"one"_s));
        client->sendJson({{u"type"_s, u"message"_s}, {u"text"_s, u"as a command"_s}});
        QCOMPARE(WsTestClient::contentOf(client->waitForTurn()), u"one"_s);
        QCOMPARE(lastUserText(server->llm.lastRequest()), u"as a command"_s);

        // JSON that is not one of the commands is an ordinary user message, sent verbatim.
        const QString other = u"{\"type\":\"weather\",\"city\":\"Oslo\"}"_s;
        server->llm.enqueue(MockLlmReply::text(u"two"_s));
        client->sendText(other);
        QCOMPARE(WsTestClient::contentOf(client->waitForTurn()), u"two"_s);
        QCOMPARE(lastUserText(server->llm.lastRequest()), other);
        const QString array = u"[1,2,3]"_s;
        server->llm.enqueue(MockLlmReply::text(u"three"_s));
        client->sendText(array);
        QCOMPARE(WsTestClient::contentOf(client->waitForTurn()), u"three"_s);
        QCOMPARE(lastUserText(server->llm.lastRequest()), array);
    }

    void badFramesKeepTheConnection() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, u"u2"_s);
        QVERIFY(client);
        const int requestsBefore = server->llm.requestCount();

        client->sendBinary(QByteArrayLiteral("\x00\x01\x02"));
        QJsonObject error = client->waitFor();
        QCOMPARE(error.value(u"type"_s).toString(), u"error"_s);
        QCOMPARE(error.value(u"code"_s).toString(), u"bad_request"_s);
        QVERIFY(!error.value(u"message"_s).toString().isEmpty());
        QCOMPARE(error.value(u"retryable"_s).toBool(true), false);

        client->sendJson({{u"type"_s, u"message"_s}});
        error = client->waitFor();
        QCOMPARE(error.value(u"code"_s).toString(), u"bad_request"_s);
        client->sendJson({{u"type"_s, u"message"_s}, {u"text"_s, 42}});
        error = client->waitFor();
        QCOMPARE(error.value(u"code"_s).toString(), u"bad_request"_s);
        client->sendText(u"   "_s);
        error = client->waitFor();
        QCOMPARE(error.value(u"code"_s).toString(), u"bad_request"_s);

        // One byte over the limit (multi-byte characters count in UTF-8 bytes).
        const QString tooLarge =
            QString(server->config.maxMessageBytes / 2, QChar(0x00e9)) + u"x"_s;
        client->sendText(tooLarge);
        error = client->waitFor();
        QCOMPARE(error.value(u"code"_s).toString(), u"too_large"_s);
        QVERIFY(error.value(u"message"_s)
                    .toString()
                    .contains(QString::number(server->config.maxMessageBytes)));

        // Exactly at the limit is accepted.
        server->llm.enqueue(MockLlmReply::text(u"fits"_s));
        client->sendText(QString(server->config.maxMessageBytes, QLatin1Char('a')));
        QCOMPARE(WsTestClient::contentOf(client->waitForTurn()), u"fits"_s);

        QVERIFY(client->isConnected());
        QCOMPARE(server->llm.requestCount(), requestsBefore + 1);
        // Nothing that was refused was stored.
        QCOMPARE(server->eventsOfType(id, EventType::UserMessage).size(), 1);

        // A frame beyond the hard cap closes the connection with 1009.
        client->sendText(QString(9 * server->config.maxMessageBytes, QLatin1Char('b')));
        QVERIFY(client->waitForClosed());
        QCOMPARE(client->closeCode(), 1009);
    }

    void badSessionIdOrUser_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("query");
        QTest::newRow("not a uuid") << u"/ws/session/not-a-uuid"_s << u"user_id=a"_s;
        QTest::newRow("braced uuid")
            << u"/ws/session/{%1}"_s.arg(Ids::toText(QUuid::createUuid())) << u"user_id=a"_s;
        QTest::newRow("no user") << u"/ws/session/"_s + Ids::toText(QUuid::createUuid())
                                 << QString();
        QTest::newRow("empty user")
            << u"/ws/session/"_s + Ids::toText(QUuid::createUuid()) << u"user_id="_s;
        QTest::newRow("user too long") << u"/ws/session/"_s + Ids::toText(QUuid::createUuid())
                                       << u"user_id="_s + QString(129, u'x');
        QTest::newRow("other endpoint") << u"/ws/other"_s << u"user_id=a"_s;
        QTest::newRow("NUL in user")
            << u"/ws/session/"_s + Ids::toText(QUuid::createUuid()) << u"user_id=%00"_s;
        QTest::newRow("newline in user")
            << u"/ws/session/"_s + Ids::toText(QUuid::createUuid()) << u"user_id=a%0Ab"_s;
        QTest::newRow("user not UTF-8")
            << u"/ws/session/"_s + Ids::toText(QUuid::createUuid()) << u"user_id=%FF%FE"_s;
    }
    void badSessionIdOrUser() {
        QFETCH(QString, path);
        QFETCH(QString, query);
        QUrl url = server->url();
        url.setScheme(u"ws"_s);
        url.setPath(path);
        url.setQuery(query);
        WsTestClient client;
        QVERIFY(client.open(url));
        QVERIFY(client.waitForClosed());
        QCOMPARE(client.closeCode(), 4400);
        QVERIFY(!client.closeReason().isEmpty());
        QCOMPARE(client.frames().size(), 0);
    }

    void otherUsersSession() {
        const QUuid id = QUuid::createUuid();
        auto alice = connectClient(id, u"alice"_s);
        QVERIFY(alice);
        WsTestClient bob;
        QVERIFY(bob.open(server->wsUrl(id, u"bob"_s)));
        QVERIFY(bob.waitForClosed());
        QCOMPARE(bob.closeCode(), 4403);
        QVERIFY(alice->isConnected());

        // Still refused once the session has ended (the owner is read from the database).
        alice->close();
        QVERIFY(server->waitForEnded(id));
        WsTestClient bobAgain;
        QVERIFY(bobAgain.open(server->wsUrl(id, u"bob"_s)));
        QVERIFY(bobAgain.waitForClosed());
        QCOMPARE(bobAgain.closeCode(), 4403);
        QCOMPARE(server->session(id)->userId, u"alice"_s);
    }

    // Cross-site WebSocket hijacking: a page of another site, a sandboxed page (`null`) or a page
    // on another port of 127.0.0.1 cannot connect; the server's own pages and clients that are
    // not browsers (no Origin) can.
    void webSocketOrigins_data() {
        QTest::addColumn<QByteArray>("origin"); // PORT: the server's; empty: no Origin header
        QTest::addColumn<bool>("accepted");
        QTest::newRow("no Origin") << QByteArray() << true;
        QTest::newRow("own origin") << QByteArray("http://127.0.0.1:PORT") << true;
        QTest::newRow("own origin as localhost") << QByteArray("http://localhost:PORT") << true;
        QTest::newRow("foreign site") << QByteArray("https://evil.example") << false;
        QTest::newRow("null") << QByteArray("null") << false;
        QTest::newRow("another port of 127.0.0.1") << QByteArray("http://127.0.0.1:1") << false;
    }
    void webSocketOrigins() {
        QFETCH(QByteArray, origin);
        QFETCH(bool, accepted);
        origin = withPort(origin);
        const QUuid id = QUuid::createUuid();
        const QRegularExpression refusal(u"refused \\(403 origin_not_allowed\\)"_s);
        if (!accepted)
            QTest::ignoreMessage(QtWarningMsg, refusal);
        WsTestClient client;
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!origin.isEmpty())
            headers.append({QByteArrayLiteral("Origin"), origin});
        QCOMPARE(client.open(server->wsUrl(id, u"ori"_s), headers), accepted);
        if (accepted) {
            QCOMPARE(client.waitFor().value(u"type"_s).toString(), u"session"_s);
            return;
        }
        // What a refused client is told.
        QTest::ignoreMessage(QtWarningMsg, refusal);
        const TestHttp::Response response = rawUpgrade(id, withPort("127.0.0.1:PORT"), origin);
        QCOMPARE(response.status, 403);
        const QJsonObject error = response.json().value(u"error"_s).toObject();
        QCOMPARE(error.value(u"code"_s).toString(), u"origin_not_allowed"_s);
        QVERIFY2(error.value(u"message"_s).toString().contains(u"allowed_origins"_s),
                 response.body.constData());
        QVERIFY(!server->session(id));
    }

    // DNS rebinding: a page whose name resolves to 127.0.0.1 sends its own name as Host.
    void webSocketHosts_data() {
        QTest::addColumn<QByteArray>("host"); // PORT: the server's; empty: no Host header
        QTest::addColumn<int>("status");
        QTest::newRow("127.0.0.1") << QByteArray("127.0.0.1:PORT") << 101;
        QTest::newRow("localhost") << QByteArray("localhost:PORT") << 101;
        QTest::newRow("[::1]") << QByteArray("[::1]:PORT") << 101;
        QTest::newRow("LocalHost, no port") << QByteArray("LocalHost") << 101;
        QTest::newRow("attacker.example") << QByteArray("attacker.example:PORT") << 421;
        QTest::newRow("127.0.0.1.attacker.example")
            << QByteArray("127.0.0.1.attacker.example:PORT") << 421;
        QTest::newRow("no Host") << QByteArray() << 400;
    }
    void webSocketHosts() {
        QFETCH(QByteArray, host);
        QFETCH(int, status);
        host = withPort(host);
        if (status != 101)
            QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"refused \\(%1 "_s.arg(status)));
        // As a browser sends it: the page's origin is the name it reached the server under.
        const QByteArray origin = host.isEmpty() ? QByteArray() : "http://" + host;
        const QUuid id = QUuid::createUuid();
        const TestHttp::Response response = rawUpgrade(id, host, origin);
        QCOMPARE(response.status, status);
        if (status == 101)
            return;
        QCOMPARE(response.json().value(u"error"_s).toObject().value(u"code"_s).toString(),
                 status == 421 ? u"host_not_allowed"_s : u"bad_request"_s);
        QVERIFY(!server->session(id));
    }

    void newerConnectionReplacesOlder() {
        const QUuid id = QUuid::createUuid();
        auto first = connectClient(id, u"carol"_s);
        QVERIFY(first);
        server->llm.enqueue(MockLlmReply::text(u"first answer"_s));
        first->sendText(u"question one"_s);
        QCOMPARE(WsTestClient::contentOf(first->waitForTurn()), u"first answer"_s);

        QJsonObject session;
        auto second = connectClient(id, u"carol"_s, &session);
        QVERIFY(second);
        QCOMPARE(session.value(u"resumed"_s).toBool(), true);
        QVERIFY(first->waitForClosed());
        QCOMPARE(first->closeCode(), 4000);
        const QJsonArray history = second->waitFor(u"history"_s).value(u"messages"_s).toArray();
        QCOMPARE(history.size(), 2);
        QCOMPARE(history.at(0).toObject().value(u"role"_s).toString(), u"user"_s);
        QCOMPARE(history.at(1).toObject().value(u"content"_s).toString(), u"first answer"_s);

        server->llm.enqueue(MockLlmReply::text(u"second answer"_s));
        second->sendText(u"question two"_s);
        QCOMPARE(WsTestClient::contentOf(second->waitForTurn()), u"second answer"_s);
        // The session did not end when the first connection was replaced.
        QVERIFY(server->session(id)->isActive());
        QCOMPARE(server->eventsOfType(id, EventType::SessionEnd).size(), 0);
    }

    void resumeAfterReconnect() {
        const QUuid id = QUuid::createUuid();
        {
            auto client = connectClient(id, u"dave"_s);
            QVERIFY(client);
            server->llm.enqueue(MockLlmReply::text(u"Nice to meet you, Dave."_s));
            client->sendText(u"I am Dave"_s);
            QVERIFY(!client->waitForTurn().isEmpty());
            client->close();
        }
        QVERIFY(server->waitForSummary(id));
        QCOMPARE(server->session(id)->summary, kMockSummary);

        QJsonObject session;
        auto client = connectClient(id, u"dave"_s, &session);
        QVERIFY(client);
        QCOMPARE(session.value(u"resumed"_s).toBool(), true);
        const QJsonObject historyFrame = client->waitFor();
        QCOMPARE(historyFrame.value(u"type"_s).toString(), u"history"_s);
        const QJsonArray history = historyFrame.value(u"messages"_s).toArray();
        QCOMPARE(history.size(), 2);
        const QJsonObject user = history.at(0).toObject();
        QCOMPARE(user.value(u"role"_s).toString(), u"user"_s);
        QCOMPARE(user.value(u"content"_s).toString(), u"I am Dave"_s);
        QVERIFY(Timestamps::fromIso(user.value(u"created_at"_s).toString()).isValid());
        QCOMPARE(history.at(1).toObject().value(u"role"_s).toString(), u"assistant"_s);
        // Reopened: active again.
        QVERIFY(server->session(id)->isActive());

        server->llm.enqueue(MockLlmReply::text(u"You are Dave."_s));
        client->sendText(u"Who am I?"_s);
        QVERIFY(!client->waitForTurn().isEmpty());
        // Memory: the request carries the earlier turn.
        const QByteArray body = server->llm.lastRequest().body;
        QVERIFY(body.contains("I am Dave"));
        QVERIFY(body.contains("Nice to meet you, Dave."));
    }

    void regenerateAndEditReplaceTheLastTurn() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, u"grace"_s);
        QVERIFY(client);
        // Before any message: nothing to take back, and the connection stays.
        client->sendJson({{u"type"_s, u"regenerate"_s}});
        const QJsonObject nothing = client->waitFor(u"error"_s);
        QCOMPARE(nothing.value(u"code"_s).toString(), u"bad_request"_s);
        QVERIFY(nothing.value(u"message"_s).toString().contains(u"no message to regenerate"));

        server->llm.enqueue(MockLlmReply::text(u"Hi Grace."_s));
        client->sendText(u"I am Grace"_s);
        QVERIFY(!client->waitForTurn().isEmpty());
        server->llm.enqueue(MockLlmReply::text(u"Blue."_s));
        client->sendText(u"Pick a colour"_s);
        QVERIFY(!client->waitForTurn().isEmpty());

        server->llm.enqueue(MockLlmReply::text(u"Green."_s));
        client->sendJson({{u"type"_s, u"regenerate"_s}});
        QCOMPARE(WsTestClient::contentOf(client->waitForTurn()), u"Green."_s);
        QByteArray body = server->llm.lastRequest().body;
        QCOMPARE(body.count("Pick a colour"), 1);
        QVERIFY(!body.contains("Blue."));
        QVERIFY(body.contains("Hi Grace."));

        server->llm.enqueue(MockLlmReply::tokens({u"Red"_s, u"."_s}, 200));
        client->sendJson({{u"type"_s, u"edit"_s}, {u"text"_s, u"Pick a warm colour"_s}});
        QVERIFY(!client->waitFor(u"content"_s).isEmpty());
        // Not while a reply is written.
        client->sendJson({{u"type"_s, u"regenerate"_s}});
        const QJsonObject busy = client->waitFor(u"error"_s);
        QCOMPARE(busy.value(u"code"_s).toString(), u"busy"_s);
        QCOMPARE(busy.value(u"retryable"_s).toBool(), true);
        QVERIFY(!client->waitForTurn().isEmpty());
        body = server->llm.lastRequest().body;
        QVERIFY(body.contains("Pick a warm colour"));
        QVERIFY(!body.contains("Pick a colour"));
        QVERIFY(!body.contains("Green."));

        const QList<Event> withdrawn = server->eventsOfType(id, EventType::TurnWithdrawn);
        QCOMPARE(withdrawn.size(), 2);
        QCOMPARE(withdrawn.at(0).metadata.value(u"reason"_s).toString(), u"regenerate"_s);
        QCOMPARE(withdrawn.at(1).metadata.value(u"reason"_s).toString(), u"edit"_s);
        QCOMPARE(server->eventsOfType(id, EventType::UserMessage).size(), 4);
        // Counted as the conversation stands: two questions and their replies.
        QCOMPARE(server->session(id)->messageCount, 4);

        // Resumed: the history and the memory are the conversation as it stands.
        client->close();
        QVERIFY(server->waitForSummary(id));
        client = connectClient(id, u"grace"_s);
        QVERIFY(client);
        QStringList shown;
        for (const QJsonValue &message : client->waitFor().value(u"messages"_s).toArray())
            shown << message[u"content"_s].toString();
        QCOMPARE(shown, (QStringList{u"I am Grace"_s, u"Hi Grace."_s, u"Pick a warm colour"_s,
                                     u"Red."_s}));
        server->llm.enqueue(MockLlmReply::text(u"Orange."_s));
        client->sendJson({{u"type"_s, u"regenerate"_s}});
        QCOMPARE(WsTestClient::contentOf(client->waitForTurn()), u"Orange."_s);
        body = server->llm.lastRequest().body;
        QVERIFY(body.contains("Pick a warm colour"));
        QVERIFY(!body.contains("Red."));
        QVERIFY(!body.contains("Blue."));
    }

    void cancelMidStream() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, u"erin"_s);
        QVERIFY(client);
        QStringList tokens;
        for (int i = 0; i < 200; ++i)
            tokens << u"t%1 "_s.arg(i);
        server->llm.enqueue(MockLlmReply::tokens(tokens, 20));
        client->sendText(u"tell me a long story"_s);
        QVERIFY(!client->waitFor(u"content"_s).isEmpty());
        client->sendJson({{u"type"_s, u"cancel"_s}});
        const QList<QJsonObject> rest = client->waitForTurn();
        QVERIFY(!rest.isEmpty());
        QCOMPARE(rest.last().value(u"finish_reason"_s).toString(), u"cancelled"_s);
        const QList<Event> replies = server->eventsOfType(id, EventType::AssistantMessage);
        QCOMPARE(replies.size(), 1);
        QVERIFY(replies.first().content.startsWith(u"t0 "_s));
        QVERIFY(!replies.first().content.contains(u"t199"_s));
        QCOMPARE(replies.first().metadata.value(u"interrupted"_s).toBool(), true);

        // The session goes on.
        server->llm.enqueue(MockLlmReply::text(u"short"_s));
        client->sendText(u"shorter please"_s);
        QCOMPARE(WsTestClient::contentOf(client->waitForTurn()), u"short"_s);
    }

    void queuedMessagesAndBusy() {
        server.reset();
        server = std::make_unique<InProcessServer>();
        server->config.maxQueuedMessages = 2;
        QVERIFY(server->start());
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, u"frank"_s);
        QVERIFY(client);
        server->llm.setResponder([](const MockLlmRequest &request) {
            if (isSummaryRequest(request))
                return MockLlmReply::text(kMockSummary);
            return MockLlmReply::tokens({u"re: "_s, lastUserText(request)}, 100);
        });
        for (int i = 1; i <= 4; ++i)
            client->sendText(u"m%1"_s.arg(i));
        const QJsonObject busy = client->waitFor(u"error"_s);
        QCOMPARE(busy.value(u"code"_s).toString(), u"busy"_s);
        QCOMPARE(busy.value(u"retryable"_s).toBool(), true);

        QStringList answers;
        QVERIFY(QTest::qWaitFor(
            [&] {
                int done = 0;
                for (const QJsonObject &frame : client->frames())
                    done += frame.value(u"type"_s).toString() == u"done";
                return done == 3;
            },
            20000));
        QString text;
        for (const QJsonObject &frame : client->frames()) {
            const QString type = frame.value(u"type"_s).toString();
            if (type == u"content")
                text += frame.value(u"value"_s).toString();
            else if (type == u"done")
                answers << std::exchange(text, {});
        }
        QCOMPARE(answers, (QStringList{u"re: m1"_s, u"re: m2"_s, u"re: m3"_s}));
        QStringList stored;
        for (const Event &event : server->eventsOfType(id, EventType::UserMessage))
            stored << event.content;
        QCOMPARE(stored, (QStringList{u"m1"_s, u"m2"_s, u"m3"_s}));
    }

    void disconnectDuringTurnFinishesIt() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, u"gina"_s);
        QVERIFY(client);
        QStringList tokens;
        for (int i = 0; i < 20; ++i)
            tokens << u"w%1 "_s.arg(i);
        server->llm.enqueue(MockLlmReply::tokens(tokens, 25));
        client->sendText(u"a question"_s);
        QVERIFY(!client->waitFor(u"content"_s).isEmpty());
        client->close();
        // The session stays live until the turn is stored, then ends and is summarized.
        QVERIFY(server->waitForSummary(id));
        const QList<Event> replies = server->eventsOfType(id, EventType::AssistantMessage);
        QCOMPARE(replies.size(), 1);
        QCOMPARE(replies.first().content, tokens.join(QString()));
        QCOMPARE(replies.first().metadata.value(u"interrupted"_s).toBool(), false);
        const QList<Event> all = server->events(id);
        QStringList order;
        for (const Event &event : all)
            order << event.type;
        QVERIFY(order.indexOf(EventType::AssistantMessage) < order.indexOf(EventType::SessionEnd));
        QCOMPARE(order.last(), EventType::Summary);
        QCOMPARE(all.last().content, kMockSummary);
    }

    void llmErrorsAreErrorFrames() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, u"hank"_s);
        QVERIFY(client);
        server->llm.enqueue(MockLlmReply::httpError(429, u"slow down"_s, u"rate_limit_exceeded"_s));
        client->sendText(u"hi"_s);
        const QList<QJsonObject> turn = client->waitForTurn();
        QCOMPARE(WsTestClient::typesOf(turn), (QStringList{u"error"_s, u"done"_s}));
        QCOMPARE(turn.first().value(u"code"_s).toString(), u"llm_rate_limited"_s);
        QVERIFY(!turn.first().value(u"message"_s).toString().isEmpty());
        QCOMPARE(turn.last().value(u"finish_reason"_s).toString(), u"error"_s);
        QCOMPARE(server->backend->metrics()->value(ServerMetrics::LlmErrors,
                                                   {{u"kind"_s, u"llm_rate_limited"_s}}),
                 1.0);
        QCOMPARE(server->eventsOfType(id, EventType::Error).size(), 1);
    }

    void noLlmConfigured() {
        server.reset();
        server = std::make_unique<InProcessServer>();
        server->configureWithoutLlm();
        QVERIFY(server->start());
        auto client = connectClient(QUuid::createUuid(), u"ivy"_s);
        QVERIFY(client);
        client->sendText(u"hello?"_s);
        const QList<QJsonObject> turn = client->waitForTurn();
        QCOMPARE(WsTestClient::typesOf(turn), (QStringList{u"error"_s, u"done"_s}));
        QCOMPARE(turn.first().value(u"code"_s).toString(), u"llm_unavailable"_s);
        // Meant for the person chatting: no settings to change, and no retry that could work.
        QCOMPARE(turn.first().value(u"message"_s).toString(),
                 u"The assistant is not available right now. Please try again later."_s);
        QCOMPARE(turn.first().value(u"retryable"_s).toBool(true), false);
        QCOMPARE(server->llm.requestCount(), 0);
        QCOMPARE(server->llm.modelsRequestCount(), 0); // nothing to check
    }

    void apiToken() {
        server.reset();
        server = std::make_unique<InProcessServer>();
        server->config.apiToken = u"s3cret"_s;
        QVERIFY(server->start());
        const QUuid id = QUuid::createUuid();

        WsTestClient anonymous;
        QVERIFY(anonymous.open(server->wsUrl(id, u"jo"_s)));
        QVERIFY(anonymous.waitForClosed());
        QCOMPARE(anonymous.closeCode(), 1008);
        WsTestClient wrong;
        QUrl wrongUrl = server->wsUrl(id, u"jo"_s);
        wrongUrl.setQuery(wrongUrl.query() + u"&token=nope"_s);
        QVERIFY(wrong.open(wrongUrl));
        QVERIFY(wrong.waitForClosed());
        QCOMPARE(wrong.closeCode(), 1008);

        WsTestClient byHeader;
        QVERIFY(byHeader.open(server->wsUrl(id, u"jo"_s), {{QByteArrayLiteral("Authorization"),
                                                            QByteArrayLiteral("Bearer s3cret")}}));
        QCOMPARE(byHeader.waitFor().value(u"type"_s).toString(), u"session"_s);
        byHeader.close();
        WsTestClient byQuery;
        QUrl queryUrl = server->wsUrl(id, u"jo"_s);
        queryUrl.setQuery(queryUrl.query() + u"&token=s3cret"_s);
        QVERIFY(byQuery.open(queryUrl));
        QCOMPARE(byQuery.waitFor().value(u"type"_s).toString(), u"session"_s);

        QCOMPARE(TestHttp::get(server->httpUrl(u"/api/sessions"_s)).status, 401);
        QCOMPARE(TestHttp::get(server->httpUrl(u"/metrics"_s)).status, 401);
        QCOMPARE(TestHttp::get(
                     server->httpUrl(u"/api/sessions"_s),
                     {{QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer s3cret")}})
                     .status,
                 200);
        // Health probes and the web client stay public.
        QCOMPARE(TestHttp::get(server->httpUrl(u"/healthz"_s)).status, 200);
        QCOMPARE(TestHttp::get(server->httpUrl(u"/"_s)).status, 200);
    }

    void slowClientIsDropped() {
        server.reset();
        server = std::make_unique<InProcessServer>();
        SessionSocket::Limits limits;
        limits.maxBufferedBytes = 256 * 1024;
        server->socketLimits = limits;
        QVERIFY(server->start());
        const QUuid id = QUuid::createUuid();

        // A raw client that performs the handshake, sends one message and then stops reading.
        QTcpSocket raw;
        raw.setReadBufferSize(4096);
        raw.connectToHost(QHostAddress::LocalHost, server->url().port());
        QVERIFY(raw.waitForConnected(5000));
        const QByteArray key = QByteArrayLiteral("dGhlIHNhbXBsZSBub25jZQ==");
        raw.write("GET /ws/session/" + Ids::toText(id).toLatin1() +
                  "?user_id=slow HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: " +
                  key + "\r\nSec-WebSocket-Version: 13\r\n\r\n");
        QVERIFY(QTest::qWaitFor([&] { return raw.bytesAvailable() > 0; }, 5000));
        QVERIFY(raw.read(12).startsWith("HTTP/1.1 101"));
        // One masked text frame "go".
        const QByteArray mask = QByteArrayLiteral("\x01\x02\x03\x04");
        QByteArray frame = QByteArrayLiteral("\x81\x82") + mask;
        frame.append(char('g' ^ 0x01)).append(char('o' ^ 0x02));
        raw.write(frame);

        // About 40 MB of reply: far more than the kernel buffers hold.
        QStringList tokens;
        const QString big(64 * 1024, QLatin1Char('z'));
        for (int i = 0; i < 640; ++i)
            tokens << big;
        server->llm.enqueue(MockLlmReply::tokens(tokens));
        QVERIFY(QTest::qWaitFor(
            [&] {
                return server->backend->metrics()->value(ServerMetrics::WebSocketCloses,
                                                         {{u"code"_s, u"4008"_s}}) == 1.0;
            },
            30000));
        QVERIFY(QTest::qWaitFor([&] { return server->backend->connectionCount() == 0; }, 10000));
        // Nobody reads the reply: its turn is stopped, the partial reply stored (the mock in this
        // process may have sent all of it by then; tst_fairstreaming sees the request aborted).
        QVERIFY(server->waitForEnded(id, 30000));
        const QList<Event> replies = server->eventsOfType(id, EventType::AssistantMessage);
        QCOMPARE(replies.size(), 1);
        QCOMPARE(replies.first().metadata.value(u"interrupted"_s).toBool(), true);
    }

    void metricsAfterTurns() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, u"kim"_s);
        QVERIFY(client);
        server->llm.enqueue(MockLlmReply::tokens({u"a"_s, u"b"_s, u"c"_s}));
        client->sendText(u"hi"_s);
        QVERIFY(!client->waitForTurn().isEmpty());
        const TestHttp::Response response = TestHttp::get(server->httpUrl(u"/metrics"_s));
        QCOMPARE(response.status, 200);
        QVERIFY(response.header("Content-Type").startsWith("text/plain; version=0.0.4"));
        const QByteArray text = response.body;
        QVERIFY2(text.contains("rtai_active_sessions 1"), text.constData());
        QVERIFY(text.contains("rtai_websocket_connections 1"));
        QVERIFY(text.contains("rtai_turns_total{outcome=\"stop\"} 1"));
        QVERIFY(text.contains("rtai_tokens_streamed_total 3"));
        QVERIFY(text.contains("rtai_ttft_seconds_count 1"));
        QVERIFY(text.contains("# TYPE rtai_tool_calls_total counter"));
        QVERIFY(text.contains("# TYPE rtai_llm_errors_total counter"));
        QVERIFY(text.contains("rtai_database_queue_depth "));
    }

    void endSessionFromConsole() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, u"lee"_s);
        QVERIFY(client);
        QSignalSpy closed(server->backend.get(), &Backend::sessionClosed);
        QVERIFY(server->backend->endSession(id));
        QVERIFY(client->waitForClosed());
        QCOMPARE(client->closeCode(), 1000);
        QVERIFY(client->closeReason().contains(u"operator"_s));
        QVERIFY(closed.wait(5000) || !closed.isEmpty());
        QCOMPARE(closed.first().first().toUuid(), id);
        QVERIFY(server->waitForSummary(id));
        QCOMPARE(server->session(id)->summary, SummaryScheduler::emptySessionSummary());
        QVERIFY(!server->backend->endSession(id));
    }

    void gracefulStopInterruptsTurns() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, u"max"_s);
        QVERIFY(client);
        QStringList tokens;
        for (int i = 0; i < 200; ++i)
            tokens << u"s%1 "_s.arg(i);
        server->llm.enqueue(MockLlmReply::tokens(tokens, 20));
        client->sendText(u"go on"_s);
        QVERIFY(!client->waitFor(u"content"_s).isEmpty());

        QSignalSpy stopped(server->backend.get(), &Backend::stopped);
        server->backend->stop();
        QVERIFY(stopped.wait(6000));
        QVERIFY(client->waitForClosed());
        QCOMPARE(client->closeCode(), 1001);
        const QList<QJsonObject> rest = client->waitForTurn(1000);
        QCOMPARE(rest.isEmpty() ? QString() : rest.last().value(u"finish_reason"_s).toString(),
                 u"cancelled"_s);
        // Everything was flushed before stopped(): read the file with a fresh Database.
        Database *db = server->db();
        const QList<Event> replies = [&] {
            QList<Event> r;
            for (const Event &event : await(db->events(id, 0, 1000)))
                if (event.type == EventType::AssistantMessage)
                    r << event;
            return r;
        }();
        QCOMPARE(replies.size(), 1);
        QCOMPARE(replies.first().metadata.value(u"interrupted"_s).toBool(), true);
        QVERIFY(!await(db->session(id))->isActive());
    }
};

QTEST_GUILESS_MAIN(TstServerProtocol)
#include "tst_serverprotocol.moc"
