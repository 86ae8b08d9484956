// The seed's own walk-through, end to end: the real server (in process), the mock-llm executable
// answering by rules, a real database. Every frame and every stored row is checked.

#include "ServerTestSupport.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/PostgresCluster.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

class TstServerWalkthrough : public QObject {
    Q_OBJECT

private:
    // Runs the walk-through against `databaseUrl`.
    void walkThrough(const QString &databaseUrl) {
        MockLlmProcess mock;
        QVERIFY(mock.start());
        InProcessServer server;
        if (!databaseUrl.isEmpty())
            server.config.databaseUrl = databaseUrl;
        server.config.llmBaseUrl = mock.baseUrl().toString();
        QVERIFY(server.start());

        const QUuid id = QUuid::createUuid();
        WsTestClient client;
        QVERIFY(client.open(server.wsUrl(id, u"pavithra"_s)));
        const QJsonObject session = client.waitFor();
        QCOMPARE(session.value(u"type"_s).toString(), u"session"_s);
        QCOMPARE(session.value(u"resumed"_s).toBool(true), false);

        // 1. Greeting.
        client.sendText(u"Hello, I'm Ada"_s);
        QList<QJsonObject> turn = client.waitForTurn();
        QVERIFY(!turn.isEmpty());
        QCOMPARE(turn.first().value(u"type"_s).toString(), u"content"_s);
        QVERIFY(!WsTestClient::contentOf(turn).isEmpty());
        QCOMPARE(turn.last().value(u"finish_reason"_s).toString(), u"stop"_s);
        for (const QJsonObject &frame : turn.mid(0, turn.size() - 1))
            QCOMPARE(frame.value(u"type"_s).toString(), u"content"_s);

        // 2. Arithmetic (the model may use the calculator tool).
        client.sendText(u"What is 10 + 2?"_s);
        turn = client.waitForTurn();
        QVERIFY(WsTestClient::contentOf(turn).contains(u"12"_s));
        QCOMPARE(turn.last().value(u"finish_reason"_s).toString(), u"stop"_s);

        // 3. A tool call.
        client.sendText(u"How much to ship 5kg to the US?"_s);
        turn = client.waitForTurn();
        const QStringList types = WsTestClient::typesOf(turn);
        const qsizetype start = types.indexOf(u"tool_start"_s);
        const qsizetype end = types.indexOf(u"tool_end"_s);
        QVERIFY(start >= 0 && end > start);
        const QJsonObject toolStart = turn.at(start);
        const QJsonObject toolEnd = turn.at(end);
        QCOMPARE(toolStart.value(u"tool"_s).toString(), u"calculate_shipping"_s);
        QVERIFY(!toolStart.value(u"call_id"_s).toString().isEmpty());
        QCOMPARE(toolEnd.value(u"call_id"_s), toolStart.value(u"call_id"_s));
        QVERIFY(toolStart.value(u"arguments"_s).isObject());
        QCOMPARE(toolEnd.value(u"ok"_s).toBool(), true);
        QVERIFY(toolEnd.value(u"result"_s).isObject());
        QVERIFY(types.lastIndexOf(u"content"_s) > end);
        const QString shipping = WsTestClient::contentOf(turn.mid(end));
        QVERIFY2(shipping.contains(u"5"_s), qPrintable(shipping));

        // 4. Memory.
        client.sendText(u"What is my name?"_s);
        turn = client.waitForTurn();
        QVERIFY(WsTestClient::contentOf(turn).contains(u"Ada"_s));

        // Disconnect: end_time, then the summary.
        client.close();
        QVERIFY(server.waitForSummary(id, 30000));
        const Session stored = *server.session(id);
        QCOMPARE(stored.userId, u"pavithra"_s);
        QVERIFY(stored.endTime.isValid());
        QVERIFY(stored.endTime >= stored.startTime);
        QVERIFY2(stored.summary.contains(u"Ada"_s), qPrintable(stored.summary));
        QCOMPARE(stored.messageCount, 8);

        // Every row, in order.
        const QList<Event> events = server.events(id);
        QStringList rows;
        for (const Event &event : events) {
            rows << event.type;
            QVERIFY(event.createdAt.isValid());
            QCOMPARE(event.sessionId, id);
        }
        QCOMPARE(rows.first(), EventType::SessionStart);
        QCOMPARE(rows.at(1), EventType::UserMessage);
        QCOMPARE(events.at(1).content, u"Hello, I'm Ada"_s);
        QCOMPARE(rows.at(2), EventType::AssistantMessage);
        QCOMPARE(rows.count(EventType::UserMessage), 4);
        QCOMPARE(rows.count(EventType::AssistantMessage), 4);
        QCOMPARE(rows.at(rows.size() - 2), EventType::SessionEnd);
        QCOMPARE(rows.last(), EventType::Summary);
        QCOMPARE(events.last().content, stored.summary);
        QStringList userTexts;
        for (const Event &event : events)
            if (event.type == EventType::UserMessage)
                userTexts << event.content;
        QCOMPARE(userTexts,
                 (QStringList{u"Hello, I'm Ada"_s, u"What is 10 + 2?"_s,
                              u"How much to ship 5kg to the US?"_s, u"What is my name?"_s}));
        // The shipping call and its result, with the metadata of the chat contract.
        const auto shipCall = std::find_if(events.begin(), events.end(), [](const Event &e) {
            return e.type == EventType::ToolCall &&
                   e.metadata.value(u"name"_s).toString() == u"calculate_shipping";
        });
        QVERIFY(shipCall != events.end());
        const QString callId = shipCall->metadata.value(u"call_id"_s).toString();
        QCOMPARE(callId, toolStart.value(u"call_id"_s).toString());
        QVERIFY(shipCall->metadata.value(u"arguments"_s).isObject());
        const auto shipResult = std::find_if(events.begin(), events.end(), [&](const Event &e) {
            return e.type == EventType::ToolResult &&
                   e.metadata.value(u"call_id"_s).toString() == callId;
        });
        QVERIFY(shipResult != events.end());
        QCOMPARE(shipResult->metadata.value(u"ok"_s).toBool(), true);
        QVERIFY(shipCall < shipResult);
        // Every assistant message carries its outcome.
        for (const Event &event : events) {
            if (event.type != EventType::AssistantMessage)
                continue;
            QCOMPARE(event.metadata.value(u"finish_reason"_s).toString(), u"stop"_s);
            QCOMPARE(event.metadata.value(u"interrupted"_s).toBool(true), false);
            QVERIFY(event.metadata.value(u"usage"_s).isObject());
        }

        // The REST view agrees.
        const QJsonObject rest =
            TestHttp::get(server.httpUrl(u"/api/sessions/"_s + Ids::toText(id))).json();
        QCOMPARE(rest.value(u"status"_s).toString(), u"ended"_s);
        QCOMPARE(rest.value(u"summary"_s).toString(), stored.summary);
        QCOMPARE(rest.value(u"message_count"_s).toInt(), 8);
        const QJsonArray restEvents =
            TestHttp::get(server.httpUrl(u"/api/sessions/"_s + Ids::toText(id) + u"/events"_s))
                .json()
                .value(u"events"_s)
                .toArray();
        QCOMPARE(restEvents.size(), events.size());
    }

private Q_SLOTS:
    void sqlite() { walkThrough({}); }

    // The same against a throwaway PostgreSQL cluster (127.0.0.1, free port).
    void postgresql() {
        if (PostgresCluster::binDir().isEmpty())
            QSKIP("PostgreSQL is not installed");
        PostgresCluster cluster;
        QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));
        QVERIFY2(cluster.createDatabase(u"walkthrough"_s), qPrintable(cluster.errorString()));
        walkThrough(cluster.url(u"walkthrough"_s));
        if (QTest::currentTestFailed())
            return;
        // The rows are really in PostgreSQL.
        QCOMPARE(cluster.queryValue(u"walkthrough"_s, u"SELECT count(*) FROM session_events WHERE "
                                                      "event_type = 'user_message'"_s),
                 u"4"_s);
        QCOMPARE(cluster.queryValue(u"walkthrough"_s,
                                    u"SELECT count(*) FROM sessions WHERE end_time "
                                    "IS NOT NULL AND summary IS NOT NULL"_s),
                 u"1"_s);
    }
};

QTEST_GUILESS_MAIN(TstServerWalkthrough)
#include "tst_serverwalkthrough.moc"
