// The seed's own walk-through, end to end: the real server (in process), the mock-llm executable
// answering by rules, a real database. Every frame and every stored row is checked.

#include "ServerTestSupport.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/PostgresCluster.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"

#include <QJsonArray>

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
        QVERIFY(client.open(server.wsUrl(id, QStringLiteral("pavithra"))));
        const QJsonObject session = client.waitFor();
        QCOMPARE(session.value(QStringLiteral("type")).toString(), QStringLiteral("session"));
        QCOMPARE(session.value(QStringLiteral("resumed")).toBool(true), false);

        // 1. Greeting.
        client.sendText(QStringLiteral("Hello, I'm Ada"));
        QList<QJsonObject> turn = client.waitForTurn();
        QVERIFY(!turn.isEmpty());
        QCOMPARE(turn.first().value(QStringLiteral("type")).toString(), QStringLiteral("content"));
        QVERIFY(!WsTestClient::contentOf(turn).isEmpty());
        QCOMPARE(turn.last().value(QStringLiteral("finish_reason")).toString(),
                 QStringLiteral("stop"));
        for (const QJsonObject &frame : turn.mid(0, turn.size() - 1))
            QCOMPARE(frame.value(QStringLiteral("type")).toString(), QStringLiteral("content"));

        // 2. Arithmetic (the model may use the calculator tool).
        client.sendText(QStringLiteral("What is 10 + 2?"));
        turn = client.waitForTurn();
        QVERIFY(WsTestClient::contentOf(turn).contains(QStringLiteral("12")));
        QCOMPARE(turn.last().value(QStringLiteral("finish_reason")).toString(),
                 QStringLiteral("stop"));

        // 3. A tool call.
        client.sendText(QStringLiteral("How much to ship 5kg to the US?"));
        turn = client.waitForTurn();
        const QStringList types = WsTestClient::typesOf(turn);
        const qsizetype start = types.indexOf(QStringLiteral("tool_start"));
        const qsizetype end = types.indexOf(QStringLiteral("tool_end"));
        QVERIFY(start >= 0 && end > start);
        const QJsonObject toolStart = turn.at(start);
        const QJsonObject toolEnd = turn.at(end);
        QCOMPARE(toolStart.value(QStringLiteral("tool")).toString(),
                 QStringLiteral("calculate_shipping"));
        QVERIFY(!toolStart.value(QStringLiteral("call_id")).toString().isEmpty());
        QCOMPARE(toolEnd.value(QStringLiteral("call_id")),
                 toolStart.value(QStringLiteral("call_id")));
        QVERIFY(toolStart.value(QStringLiteral("arguments")).isObject());
        QCOMPARE(toolEnd.value(QStringLiteral("ok")).toBool(), true);
        QVERIFY(toolEnd.value(QStringLiteral("result")).isObject());
        QVERIFY(types.lastIndexOf(QStringLiteral("content")) > end);
        const QString shipping = WsTestClient::contentOf(turn.mid(end));
        QVERIFY2(shipping.contains(QStringLiteral("5")), qPrintable(shipping));

        // 4. Memory.
        client.sendText(QStringLiteral("What is my name?"));
        turn = client.waitForTurn();
        QVERIFY(WsTestClient::contentOf(turn).contains(QStringLiteral("Ada")));

        // Disconnect: end_time, then the summary.
        client.close();
        QVERIFY(server.waitForSummary(id, 30000));
        const Session stored = *server.session(id);
        QCOMPARE(stored.userId, QStringLiteral("pavithra"));
        QVERIFY(stored.endTime.isValid());
        QVERIFY(stored.endTime >= stored.startTime);
        QVERIFY2(stored.summary.contains(QStringLiteral("Ada")), qPrintable(stored.summary));
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
        QCOMPARE(events.at(1).content, QStringLiteral("Hello, I'm Ada"));
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
                 (QStringList{QStringLiteral("Hello, I'm Ada"), QStringLiteral("What is 10 + 2?"),
                              QStringLiteral("How much to ship 5kg to the US?"),
                              QStringLiteral("What is my name?")}));
        // The shipping call and its result, with the metadata of the chat contract.
        const auto shipCall = std::find_if(events.begin(), events.end(), [](const Event &e) {
            return e.type == EventType::ToolCall &&
                   e.metadata.value(QStringLiteral("name")).toString() == u"calculate_shipping";
        });
        QVERIFY(shipCall != events.end());
        const QString callId = shipCall->metadata.value(QStringLiteral("call_id")).toString();
        QCOMPARE(callId, toolStart.value(QStringLiteral("call_id")).toString());
        QVERIFY(shipCall->metadata.value(QStringLiteral("arguments")).isObject());
        const auto shipResult = std::find_if(events.begin(), events.end(), [&](const Event &e) {
            return e.type == EventType::ToolResult &&
                   e.metadata.value(QStringLiteral("call_id")).toString() == callId;
        });
        QVERIFY(shipResult != events.end());
        QCOMPARE(shipResult->metadata.value(QStringLiteral("ok")).toBool(), true);
        QVERIFY(shipCall < shipResult);
        // Every assistant message carries its outcome.
        for (const Event &event : events) {
            if (event.type != EventType::AssistantMessage)
                continue;
            QCOMPARE(event.metadata.value(QStringLiteral("finish_reason")).toString(),
                     QStringLiteral("stop"));
            QCOMPARE(event.metadata.value(QStringLiteral("interrupted")).toBool(true), false);
            QVERIFY(event.metadata.value(QStringLiteral("usage")).isObject());
        }

        // The REST view agrees.
        const QJsonObject rest =
            TestHttp::get(server.httpUrl(QStringLiteral("/api/sessions/") + Ids::toText(id)))
                .json();
        QCOMPARE(rest.value(QStringLiteral("status")).toString(), QStringLiteral("ended"));
        QCOMPARE(rest.value(QStringLiteral("summary")).toString(), stored.summary);
        QCOMPARE(rest.value(QStringLiteral("message_count")).toInt(), 8);
        const QJsonArray restEvents =
            TestHttp::get(server.httpUrl(QStringLiteral("/api/sessions/") + Ids::toText(id) +
                                         QStringLiteral("/events")))
                .json()
                .value(QStringLiteral("events"))
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
        QVERIFY2(cluster.createDatabase(QStringLiteral("walkthrough")),
                 qPrintable(cluster.errorString()));
        walkThrough(cluster.url(QStringLiteral("walkthrough")));
        if (QTest::currentTestFailed())
            return;
        // The rows are really in PostgreSQL.
        QCOMPARE(cluster.queryValue(QStringLiteral("walkthrough"),
                                    QStringLiteral("SELECT count(*) FROM session_events WHERE "
                                                   "event_type = 'user_message'")),
                 QStringLiteral("4"));
        QCOMPARE(cluster.queryValue(QStringLiteral("walkthrough"),
                                    QStringLiteral("SELECT count(*) FROM sessions WHERE end_time "
                                                   "IS NOT NULL AND summary IS NOT NULL")),
                 QStringLiteral("1"));
    }
};

QTEST_GUILESS_MAIN(TstServerWalkthrough)
#include "tst_serverwalkthrough.moc"
