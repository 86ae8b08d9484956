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
#include <QTcpSocket>

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
        if (frame.value(QStringLiteral("type")).toString() != u"session")
            return nullptr;
        return client;
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
        auto client = connectClient(id, QStringLiteral("ada"), &session);
        QVERIFY(client);
        QCOMPARE(session.value(QStringLiteral("session_id")).toString(), Ids::toText(id));
        QCOMPARE(session.value(QStringLiteral("user_id")).toString(), QStringLiteral("ada"));
        QCOMPARE(session.value(QStringLiteral("resumed")).toBool(true), false);
        QCOMPARE(session.value(QStringLiteral("model")).toString(), QStringLiteral("mock-model"));

        server->llm.enqueue(MockLlmReply::tokens({QStringLiteral("Hello"), QStringLiteral(" Ada")})
                                .withUsage(12, 2));
        client->sendText(QStringLiteral("Hello, I'm Ada"));
        const QList<QJsonObject> turn = client->waitForTurn();
        QCOMPARE(WsTestClient::typesOf(turn),
                 (QStringList{QStringLiteral("content"), QStringLiteral("content"),
                              QStringLiteral("done")}));
        QCOMPARE(turn.at(0).value(QStringLiteral("value")).toString(), QStringLiteral("Hello"));
        QCOMPARE(turn.at(1).value(QStringLiteral("value")).toString(), QStringLiteral(" Ada"));
        const QJsonObject done = turn.last();
        QCOMPARE(done.value(QStringLiteral("finish_reason")).toString(), QStringLiteral("stop"));
        QCOMPARE(done.value(QStringLiteral("usage")).toObject(),
                 (QJsonObject{{QStringLiteral("prompt_tokens"), 12},
                              {QStringLiteral("completion_tokens"), 2}}));
        QVERIFY(done.value(QStringLiteral("ttft_ms")).toInteger(-1) >= 0);
        QVERIFY(done.value(QStringLiteral("duration_ms")).toInteger(-1) >= 0);
        QCOMPARE(lastUserText(server->llm.lastRequest()), QStringLiteral("Hello, I'm Ada"));

        const QList<Event> events = server->events(id);
        QStringList types;
        for (const Event &event : events)
            types << event.type;
        QCOMPARE(types, (QStringList{EventType::SessionStart, EventType::UserMessage,
                                     EventType::AssistantMessage}));
        QCOMPARE(events.at(1).content, QStringLiteral("Hello, I'm Ada"));
        QCOMPARE(events.at(2).content, QStringLiteral("Hello Ada"));
        const auto stored = server->session(id);
        QVERIFY(stored);
        QCOMPARE(stored->userId, QStringLiteral("ada"));
        QVERIFY(stored->isActive());
    }

    void commandsAndOtherJson() {
        auto client = connectClient(QUuid::createUuid(), QStringLiteral("u1"));
        QVERIFY(client);
        client->sendJson({{QStringLiteral("type"), QStringLiteral("ping")}});
        QCOMPARE(client->waitFor(),
                 (QJsonObject{{QStringLiteral("type"), QStringLiteral("pong")}}));

        server->llm.enqueue(MockLlmReply::text(QStringLiteral("one")));
        client->sendJson({{QStringLiteral("type"), QStringLiteral("message")},
                          {QStringLiteral("text"), QStringLiteral("as a command")}});
        QCOMPARE(WsTestClient::contentOf(client->waitForTurn()), QStringLiteral("one"));
        QCOMPARE(lastUserText(server->llm.lastRequest()), QStringLiteral("as a command"));

        // JSON that is not one of the commands is an ordinary user message, sent verbatim.
        const QString other = QStringLiteral("{\"type\":\"weather\",\"city\":\"Oslo\"}");
        server->llm.enqueue(MockLlmReply::text(QStringLiteral("two")));
        client->sendText(other);
        QCOMPARE(WsTestClient::contentOf(client->waitForTurn()), QStringLiteral("two"));
        QCOMPARE(lastUserText(server->llm.lastRequest()), other);
        const QString array = QStringLiteral("[1,2,3]");
        server->llm.enqueue(MockLlmReply::text(QStringLiteral("three")));
        client->sendText(array);
        QCOMPARE(WsTestClient::contentOf(client->waitForTurn()), QStringLiteral("three"));
        QCOMPARE(lastUserText(server->llm.lastRequest()), array);
    }

    void badFramesKeepTheConnection() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, QStringLiteral("u2"));
        QVERIFY(client);
        const int requestsBefore = server->llm.requestCount();

        client->sendBinary(QByteArrayLiteral("\x00\x01\x02"));
        QJsonObject error = client->waitFor();
        QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("error"));
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("bad_request"));
        QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
        QCOMPARE(error.value(QStringLiteral("retryable")).toBool(true), false);

        client->sendJson({{QStringLiteral("type"), QStringLiteral("message")}});
        error = client->waitFor();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("bad_request"));
        client->sendJson(
            {{QStringLiteral("type"), QStringLiteral("message")}, {QStringLiteral("text"), 42}});
        error = client->waitFor();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("bad_request"));
        client->sendText(QStringLiteral("   "));
        error = client->waitFor();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("bad_request"));

        // One byte over the limit (multi-byte characters count in UTF-8 bytes).
        const QString tooLarge =
            QString(server->config.maxMessageBytes / 2, QChar(0x00e9)) + QStringLiteral("x");
        client->sendText(tooLarge);
        error = client->waitFor();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("too_large"));
        QVERIFY(error.value(QStringLiteral("message"))
                    .toString()
                    .contains(QString::number(server->config.maxMessageBytes)));

        // Exactly at the limit is accepted.
        server->llm.enqueue(MockLlmReply::text(QStringLiteral("fits")));
        client->sendText(QString(server->config.maxMessageBytes, QLatin1Char('a')));
        QCOMPARE(WsTestClient::contentOf(client->waitForTurn()), QStringLiteral("fits"));

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
        QTest::newRow("not a uuid")
            << QStringLiteral("/ws/session/not-a-uuid") << QStringLiteral("user_id=a");
        QTest::newRow("braced uuid")
            << QStringLiteral("/ws/session/{%1}").arg(Ids::toText(QUuid::createUuid()))
            << QStringLiteral("user_id=a");
        QTest::newRow("no user") << QStringLiteral("/ws/session/") +
                                        Ids::toText(QUuid::createUuid())
                                 << QString();
        QTest::newRow("empty user")
            << QStringLiteral("/ws/session/") + Ids::toText(QUuid::createUuid())
            << QStringLiteral("user_id=");
        QTest::newRow("user too long")
            << QStringLiteral("/ws/session/") + Ids::toText(QUuid::createUuid())
            << QStringLiteral("user_id=") + QString(129, u'x');
        QTest::newRow("other endpoint")
            << QStringLiteral("/ws/other") << QStringLiteral("user_id=a");
        QTest::newRow("NUL in user")
            << QStringLiteral("/ws/session/") + Ids::toText(QUuid::createUuid())
            << QStringLiteral("user_id=%00");
        QTest::newRow("newline in user")
            << QStringLiteral("/ws/session/") + Ids::toText(QUuid::createUuid())
            << QStringLiteral("user_id=a%0Ab");
        QTest::newRow("user not UTF-8")
            << QStringLiteral("/ws/session/") + Ids::toText(QUuid::createUuid())
            << QStringLiteral("user_id=%FF%FE");
    }
    void badSessionIdOrUser() {
        QFETCH(QString, path);
        QFETCH(QString, query);
        QUrl url = server->url();
        url.setScheme(QStringLiteral("ws"));
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
        auto alice = connectClient(id, QStringLiteral("alice"));
        QVERIFY(alice);
        WsTestClient bob;
        QVERIFY(bob.open(server->wsUrl(id, QStringLiteral("bob"))));
        QVERIFY(bob.waitForClosed());
        QCOMPARE(bob.closeCode(), 4403);
        QVERIFY(alice->isConnected());

        // Still refused once the session has ended (the owner is read from the database).
        alice->close();
        QVERIFY(server->waitForEnded(id));
        WsTestClient bobAgain;
        QVERIFY(bobAgain.open(server->wsUrl(id, QStringLiteral("bob"))));
        QVERIFY(bobAgain.waitForClosed());
        QCOMPARE(bobAgain.closeCode(), 4403);
        QCOMPARE(server->session(id)->userId, QStringLiteral("alice"));
    }

    void newerConnectionReplacesOlder() {
        const QUuid id = QUuid::createUuid();
        auto first = connectClient(id, QStringLiteral("carol"));
        QVERIFY(first);
        server->llm.enqueue(MockLlmReply::text(QStringLiteral("first answer")));
        first->sendText(QStringLiteral("question one"));
        QCOMPARE(WsTestClient::contentOf(first->waitForTurn()), QStringLiteral("first answer"));

        QJsonObject session;
        auto second = connectClient(id, QStringLiteral("carol"), &session);
        QVERIFY(second);
        QCOMPARE(session.value(QStringLiteral("resumed")).toBool(), true);
        QVERIFY(first->waitForClosed());
        QCOMPARE(first->closeCode(), 4000);
        const QJsonArray history =
            second->waitFor(QStringLiteral("history")).value(QStringLiteral("messages")).toArray();
        QCOMPARE(history.size(), 2);
        QCOMPARE(history.at(0).toObject().value(QStringLiteral("role")).toString(),
                 QStringLiteral("user"));
        QCOMPARE(history.at(1).toObject().value(QStringLiteral("content")).toString(),
                 QStringLiteral("first answer"));

        server->llm.enqueue(MockLlmReply::text(QStringLiteral("second answer")));
        second->sendText(QStringLiteral("question two"));
        QCOMPARE(WsTestClient::contentOf(second->waitForTurn()), QStringLiteral("second answer"));
        // The session did not end when the first connection was replaced.
        QVERIFY(server->session(id)->isActive());
        QCOMPARE(server->eventsOfType(id, EventType::SessionEnd).size(), 0);
    }

    void resumeAfterReconnect() {
        const QUuid id = QUuid::createUuid();
        {
            auto client = connectClient(id, QStringLiteral("dave"));
            QVERIFY(client);
            server->llm.enqueue(MockLlmReply::text(QStringLiteral("Nice to meet you, Dave.")));
            client->sendText(QStringLiteral("I am Dave"));
            QVERIFY(!client->waitForTurn().isEmpty());
            client->close();
        }
        QVERIFY(server->waitForSummary(id));
        QCOMPARE(server->session(id)->summary, kMockSummary);

        QJsonObject session;
        auto client = connectClient(id, QStringLiteral("dave"), &session);
        QVERIFY(client);
        QCOMPARE(session.value(QStringLiteral("resumed")).toBool(), true);
        const QJsonObject historyFrame = client->waitFor();
        QCOMPARE(historyFrame.value(QStringLiteral("type")).toString(), QStringLiteral("history"));
        const QJsonArray history = historyFrame.value(QStringLiteral("messages")).toArray();
        QCOMPARE(history.size(), 2);
        const QJsonObject user = history.at(0).toObject();
        QCOMPARE(user.value(QStringLiteral("role")).toString(), QStringLiteral("user"));
        QCOMPARE(user.value(QStringLiteral("content")).toString(), QStringLiteral("I am Dave"));
        QVERIFY(Timestamps::fromIso(user.value(QStringLiteral("created_at")).toString()).isValid());
        QCOMPARE(history.at(1).toObject().value(QStringLiteral("role")).toString(),
                 QStringLiteral("assistant"));
        // Reopened: active again.
        QVERIFY(server->session(id)->isActive());

        server->llm.enqueue(MockLlmReply::text(QStringLiteral("You are Dave.")));
        client->sendText(QStringLiteral("Who am I?"));
        QVERIFY(!client->waitForTurn().isEmpty());
        // Memory: the request carries the earlier turn.
        const QByteArray body = server->llm.lastRequest().body;
        QVERIFY(body.contains("I am Dave"));
        QVERIFY(body.contains("Nice to meet you, Dave."));
    }

    void cancelMidStream() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, QStringLiteral("erin"));
        QVERIFY(client);
        QStringList tokens;
        for (int i = 0; i < 200; ++i)
            tokens << QStringLiteral("t%1 ").arg(i);
        server->llm.enqueue(MockLlmReply::tokens(tokens, 20));
        client->sendText(QStringLiteral("tell me a long story"));
        QVERIFY(!client->waitFor(QStringLiteral("content")).isEmpty());
        client->sendJson({{QStringLiteral("type"), QStringLiteral("cancel")}});
        const QList<QJsonObject> rest = client->waitForTurn();
        QVERIFY(!rest.isEmpty());
        QCOMPARE(rest.last().value(QStringLiteral("finish_reason")).toString(),
                 QStringLiteral("cancelled"));
        const QList<Event> replies = server->eventsOfType(id, EventType::AssistantMessage);
        QCOMPARE(replies.size(), 1);
        QVERIFY(replies.first().content.startsWith(QStringLiteral("t0 ")));
        QVERIFY(!replies.first().content.contains(QStringLiteral("t199")));
        QCOMPARE(replies.first().metadata.value(QStringLiteral("interrupted")).toBool(), true);

        // The session goes on.
        server->llm.enqueue(MockLlmReply::text(QStringLiteral("short")));
        client->sendText(QStringLiteral("shorter please"));
        QCOMPARE(WsTestClient::contentOf(client->waitForTurn()), QStringLiteral("short"));
    }

    void queuedMessagesAndBusy() {
        server.reset();
        server = std::make_unique<InProcessServer>();
        server->config.maxQueuedMessages = 2;
        QVERIFY(server->start());
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, QStringLiteral("frank"));
        QVERIFY(client);
        server->llm.setResponder([](const MockLlmRequest &request) {
            if (isSummaryRequest(request))
                return MockLlmReply::text(kMockSummary);
            return MockLlmReply::tokens({QStringLiteral("re: "), lastUserText(request)}, 100);
        });
        for (int i = 1; i <= 4; ++i)
            client->sendText(QStringLiteral("m%1").arg(i));
        const QJsonObject busy = client->waitFor(QStringLiteral("error"));
        QCOMPARE(busy.value(QStringLiteral("code")).toString(), QStringLiteral("busy"));
        QCOMPARE(busy.value(QStringLiteral("retryable")).toBool(), true);

        QStringList answers;
        QVERIFY(QTest::qWaitFor(
            [&] {
                int done = 0;
                for (const QJsonObject &frame : client->frames())
                    done += frame.value(QStringLiteral("type")).toString() == u"done";
                return done == 3;
            },
            20000));
        QString text;
        for (const QJsonObject &frame : client->frames()) {
            const QString type = frame.value(QStringLiteral("type")).toString();
            if (type == u"content")
                text += frame.value(QStringLiteral("value")).toString();
            else if (type == u"done")
                answers << std::exchange(text, {});
        }
        QCOMPARE(answers, (QStringList{QStringLiteral("re: m1"), QStringLiteral("re: m2"),
                                       QStringLiteral("re: m3")}));
        QStringList stored;
        for (const Event &event : server->eventsOfType(id, EventType::UserMessage))
            stored << event.content;
        QCOMPARE(stored,
                 (QStringList{QStringLiteral("m1"), QStringLiteral("m2"), QStringLiteral("m3")}));
    }

    void disconnectDuringTurnFinishesIt() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, QStringLiteral("gina"));
        QVERIFY(client);
        QStringList tokens;
        for (int i = 0; i < 20; ++i)
            tokens << QStringLiteral("w%1 ").arg(i);
        server->llm.enqueue(MockLlmReply::tokens(tokens, 25));
        client->sendText(QStringLiteral("a question"));
        QVERIFY(!client->waitFor(QStringLiteral("content")).isEmpty());
        client->close();
        // The session stays live until the turn is stored, then ends and is summarized.
        QVERIFY(server->waitForSummary(id));
        const QList<Event> replies = server->eventsOfType(id, EventType::AssistantMessage);
        QCOMPARE(replies.size(), 1);
        QCOMPARE(replies.first().content, tokens.join(QString()));
        QCOMPARE(replies.first().metadata.value(QStringLiteral("interrupted")).toBool(), false);
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
        auto client = connectClient(id, QStringLiteral("hank"));
        QVERIFY(client);
        server->llm.enqueue(MockLlmReply::httpError(429, QStringLiteral("slow down"),
                                                    QStringLiteral("rate_limit_exceeded")));
        client->sendText(QStringLiteral("hi"));
        const QList<QJsonObject> turn = client->waitForTurn();
        QCOMPARE(WsTestClient::typesOf(turn),
                 (QStringList{QStringLiteral("error"), QStringLiteral("done")}));
        QCOMPARE(turn.first().value(QStringLiteral("code")).toString(),
                 QStringLiteral("llm_rate_limited"));
        QVERIFY(!turn.first().value(QStringLiteral("message")).toString().isEmpty());
        QCOMPARE(turn.last().value(QStringLiteral("finish_reason")).toString(),
                 QStringLiteral("error"));
        QCOMPARE(server->backend->metrics()->value(
                     ServerMetrics::LlmErrors,
                     {{QStringLiteral("kind"), QStringLiteral("llm_rate_limited")}}),
                 1.0);
        QCOMPARE(server->eventsOfType(id, EventType::Error).size(), 1);
    }

    void noLlmConfigured() {
        server.reset();
        server = std::make_unique<InProcessServer>();
        server->configureWithoutLlm();
        QVERIFY(server->start());
        auto client = connectClient(QUuid::createUuid(), QStringLiteral("ivy"));
        QVERIFY(client);
        client->sendText(QStringLiteral("hello?"));
        const QList<QJsonObject> turn = client->waitForTurn();
        QCOMPARE(WsTestClient::typesOf(turn),
                 (QStringList{QStringLiteral("error"), QStringLiteral("done")}));
        QCOMPARE(turn.first().value(QStringLiteral("code")).toString(),
                 QStringLiteral("llm_unavailable"));
        QCOMPARE(server->llm.requestCount(), 0);
    }

    void apiToken() {
        server.reset();
        server = std::make_unique<InProcessServer>();
        server->config.apiToken = QStringLiteral("s3cret");
        QVERIFY(server->start());
        const QUuid id = QUuid::createUuid();

        WsTestClient anonymous;
        QVERIFY(anonymous.open(server->wsUrl(id, QStringLiteral("jo"))));
        QVERIFY(anonymous.waitForClosed());
        QCOMPARE(anonymous.closeCode(), 1008);
        WsTestClient wrong;
        QUrl wrongUrl = server->wsUrl(id, QStringLiteral("jo"));
        wrongUrl.setQuery(wrongUrl.query() + QStringLiteral("&token=nope"));
        QVERIFY(wrong.open(wrongUrl));
        QVERIFY(wrong.waitForClosed());
        QCOMPARE(wrong.closeCode(), 1008);

        WsTestClient byHeader;
        QVERIFY(byHeader.open(
            server->wsUrl(id, QStringLiteral("jo")),
            {{QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer s3cret")}}));
        QCOMPARE(byHeader.waitFor().value(QStringLiteral("type")).toString(),
                 QStringLiteral("session"));
        byHeader.close();
        WsTestClient byQuery;
        QUrl queryUrl = server->wsUrl(id, QStringLiteral("jo"));
        queryUrl.setQuery(queryUrl.query() + QStringLiteral("&token=s3cret"));
        QVERIFY(byQuery.open(queryUrl));
        QCOMPARE(byQuery.waitFor().value(QStringLiteral("type")).toString(),
                 QStringLiteral("session"));

        QCOMPARE(TestHttp::get(server->httpUrl(QStringLiteral("/api/sessions"))).status, 401);
        QCOMPARE(TestHttp::get(server->httpUrl(QStringLiteral("/metrics"))).status, 401);
        QCOMPARE(TestHttp::get(
                     server->httpUrl(QStringLiteral("/api/sessions")),
                     {{QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer s3cret")}})
                     .status,
                 200);
        // Health probes and the web client stay public.
        QCOMPARE(TestHttp::get(server->httpUrl(QStringLiteral("/healthz"))).status, 200);
        QCOMPARE(TestHttp::get(server->httpUrl(QStringLiteral("/"))).status, 200);
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
                return server->backend->metrics()->value(
                           ServerMetrics::WebSocketCloses,
                           {{QStringLiteral("code"), QStringLiteral("4008")}}) == 1.0;
            },
            30000));
        QVERIFY(QTest::qWaitFor([&] { return server->backend->connectionCount() == 0; }, 10000));
        // The turn itself goes on and is stored; the session then ends.
        QVERIFY(server->waitForEnded(id, 30000));
    }

    void metricsAfterTurns() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, QStringLiteral("kim"));
        QVERIFY(client);
        server->llm.enqueue(
            MockLlmReply::tokens({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
        client->sendText(QStringLiteral("hi"));
        QVERIFY(!client->waitForTurn().isEmpty());
        const TestHttp::Response response =
            TestHttp::get(server->httpUrl(QStringLiteral("/metrics")));
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
        auto client = connectClient(id, QStringLiteral("lee"));
        QVERIFY(client);
        QSignalSpy closed(server->backend.get(), &Backend::sessionClosed);
        QVERIFY(server->backend->endSession(id));
        QVERIFY(client->waitForClosed());
        QCOMPARE(client->closeCode(), 1000);
        QVERIFY(client->closeReason().contains(QStringLiteral("operator")));
        QVERIFY(closed.wait(5000) || !closed.isEmpty());
        QCOMPARE(closed.first().first().toUuid(), id);
        QVERIFY(server->waitForSummary(id));
        QCOMPARE(server->session(id)->summary, SummaryScheduler::emptySessionSummary());
        QVERIFY(!server->backend->endSession(id));
    }

    void gracefulStopInterruptsTurns() {
        const QUuid id = QUuid::createUuid();
        auto client = connectClient(id, QStringLiteral("max"));
        QVERIFY(client);
        QStringList tokens;
        for (int i = 0; i < 200; ++i)
            tokens << QStringLiteral("s%1 ").arg(i);
        server->llm.enqueue(MockLlmReply::tokens(tokens, 20));
        client->sendText(QStringLiteral("go on"));
        QVERIFY(!client->waitFor(QStringLiteral("content")).isEmpty());

        QSignalSpy stopped(server->backend.get(), &Backend::stopped);
        server->backend->stop();
        QVERIFY(stopped.wait(6000));
        QVERIFY(client->waitForClosed());
        QCOMPARE(client->closeCode(), 1001);
        const QList<QJsonObject> rest = client->waitForTurn(1000);
        QCOMPARE(rest.isEmpty() ? QString()
                                : rest.last().value(QStringLiteral("finish_reason")).toString(),
                 QStringLiteral("cancelled"));
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
        QCOMPARE(replies.first().metadata.value(QStringLiteral("interrupted")).toBool(), true);
        QVERIFY(!await(db->session(id))->isActive());
    }
};

QTEST_GUILESS_MAIN(TstServerProtocol)
#include "tst_serverprotocol.moc"
