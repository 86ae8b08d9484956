// Durable session summaries: on disconnect, after a restart, after a crash; retries with
// backoff; no LLM call for a session without messages.

#include "ServerTestSupport.h"
#include "fixtures/WsTestClient.h"

using namespace Qt::StringLiterals;

class TstSummaryScheduler : public QObject {
    Q_OBJECT

private:
    // Opens a session, has one turn in it (unless `text` is empty) and disconnects.
    static void chatAndLeave(InProcessServer &server, const QUuid &id, const QString &text) {
        WsTestClient client;
        QVERIFY(client.open(server.wsUrl(id, u"sam"_s)));
        QCOMPARE(client.waitFor().value(u"type"_s).toString(), u"session"_s);
        if (!text.isEmpty()) {
            server.llm.enqueue(MockLlmReply::text(u"Noted."_s));
            client.sendText(text);
            QVERIFY(!client.waitForTurn().isEmpty());
        }
        client.close();
    }
    static int summaryRequests(const MockLlmServer &llm) {
        int count = 0;
        for (const MockLlmRequest &request : llm.requests())
            count += isSummaryRequest(request);
        return count;
    }

private Q_SLOTS:
    void sessionWithoutMessagesGetsNoLlmCall() {
        InProcessServer server;
        QVERIFY(server.start());
        const QUuid id = QUuid::createUuid();
        chatAndLeave(server, id, {});
        QVERIFY(server.waitForSummary(id));
        QCOMPARE(server.session(id)->summary, SummaryScheduler::emptySessionSummary());
        QCOMPARE(server.llm.requestCount(), 0);
        QCOMPARE(server.eventsOfType(id, EventType::Summary).size(), 1);
    }

    void failuresAreRecordedAndRetried() {
        InProcessServer server;
        int failuresLeft = 2;
        server.llm.setResponder([&failuresLeft](const MockLlmRequest &request) {
            if (isSummaryRequest(request) && failuresLeft-- > 0)
                return MockLlmReply::httpError(400, u"bad luck"_s);
            return MockLlmReply::text(kMockSummary);
        });
        QVERIFY(server.start());
        QSignalSpy failed(server.backend->summaries(), &SummaryScheduler::summaryFailed);
        const QUuid id = QUuid::createUuid();
        chatAndLeave(server, id, u"I am Sam"_s);
        QVERIFY(server.waitForSummary(id));
        QCOMPARE(server.session(id)->summary, kMockSummary);
        QCOMPARE(failed.size(), 2);
        QCOMPARE(failed.first().at(2).toBool(), true); // will retry
        QCOMPARE(summaryRequests(server.llm), 3);
        QCOMPARE(server.eventsOfType(id, EventType::Summary).size(), 1);
        QCOMPARE(server.eventsOfType(id, EventType::Summary).first().content, kMockSummary);
    }

    void givesUpAfterMaxAttempts() {
        InProcessServer server;
        server.summarySettings.maxAttempts = 2;
        server.llm.setResponder([](const MockLlmRequest &request) {
            return isSummaryRequest(request) ? MockLlmReply::httpError(400, u"never"_s)
                                             : MockLlmReply::text(u"ok"_s);
        });
        QVERIFY(server.start());
        QSignalSpy failed(server.backend->summaries(), &SummaryScheduler::summaryFailed);
        const QUuid id = QUuid::createUuid();
        chatAndLeave(server, id, u"hello"_s);
        QVERIFY(QTest::qWaitFor([&] { return failed.size() == 2; }, 15000));
        QCOMPARE(failed.last().at(2).toBool(), false);
        QTest::qWait(500); // a third attempt would have started by now (backoff 200 ms)
        QCOMPARE(summaryRequests(server.llm), 2);
        QVERIFY(server.session(id)->summary.isEmpty());
        // The attempts are counted in the database: the next start does not try again.
        const QList<Session> pending = await(server.db()->sessionsNeedingSummary(2));
        QVERIFY(std::none_of(pending.begin(), pending.end(),
                             [&](const Session &s) { return s.id == id; }));
    }

    // The cap counts attempts across restarts: one made before, one left after.
    void attemptsBeforeARestartCount() {
        QTemporaryDir dir;
        const QString databaseUrl = u"sqlite://"_s + dir.filePath(u"restart.db"_s);
        const QUuid id = QUuid::createUuid();
        {
            Database database;
            awaitVoid(database.open(databaseUrl));
            database.createSession(id, u"sam"_s, Timestamps::now().addSecs(-60));
            database.appendEvent(Event::make(id, EventType::UserMessage, u"summarize me"_s));
            database.endSession(id, Timestamps::now().addSecs(-30));
            database.recordSummaryFailure(id, u"the LLM was down"_s);
            awaitVoid(database.flush());
            QCOMPARE(await(database.session(id))->summaryAttempts, 1);
        }
        InProcessServer server;
        server.config.databaseUrl = databaseUrl;
        server.summarySettings.maxAttempts = 2;
        server.llm.setResponder(
            [](const MockLlmRequest &) { return MockLlmReply::httpError(400, u"never"_s); });
        QVERIFY(server.start());
        QSignalSpy failed(server.backend->summaries(), &SummaryScheduler::summaryFailed);
        QVERIFY(failed.wait(10000));
        QCOMPARE(failed.first().at(2).toBool(), false); // the second attempt was the last
        QTest::qWait(500); // a retry would have started by now (backoff 100 ms)
        QCOMPARE(summaryRequests(server.llm), 1);
        QCOMPARE(server.session(id)->summaryAttempts, 2);
    }

    void pendingSummariesSurviveARestart() {
        InProcessServer first;
        QVERIFY(first.start());
        const QUuid id = QUuid::createUuid();
        // Graceful shutdown ends live sessions without summarizing them.
        WsTestClient client;
        QVERIFY(client.open(first.wsUrl(id, u"sam"_s)));
        QCOMPARE(client.waitFor().value(u"type"_s).toString(), u"session"_s);
        first.llm.enqueue(MockLlmReply::text(u"Hi Sam."_s));
        client.sendText(u"I am Sam"_s);
        QVERIFY(!client.waitForTurn().isEmpty());
        const QString databaseUrl = first.config.databaseUrl;
        first.stop();
        QVERIFY(client.waitForClosed());
        QCOMPARE(client.closeCode(), 1001);

        // A session a crash left open: written directly, never ended.
        const QUuid abandoned = QUuid::createUuid();
        const QDateTime lastEventTime = Timestamps::now().addSecs(-60);
        {
            Database database;
            awaitVoid(database.open(databaseUrl));
            database.createSession(abandoned, u"sam"_s, lastEventTime.addSecs(-10));
            Event message = Event::make(abandoned, EventType::UserMessage, u"left in a hurry"_s);
            message.createdAt = lastEventTime;
            database.appendEvent(message);
            awaitVoid(database.flush());
            QVERIFY(await(database.session(id))->summary.isEmpty());
            QVERIFY(!await(database.session(id))->isActive());
        }

        InProcessServer second;
        second.config.databaseUrl = databaseUrl;
        QVERIFY(second.start());
        QVERIFY(second.waitForSummary(id));
        QCOMPARE(second.session(id)->summary, kMockSummary);
        QVERIFY(second.waitForSummary(abandoned));
        const Session repaired = *second.session(abandoned);
        QCOMPARE(repaired.endTime, lastEventTime);
        QCOMPARE(repaired.summary, kMockSummary);
        QCOMPARE(second.eventsOfType(abandoned, EventType::Summary).size(), 1);
    }
};

QTEST_GUILESS_MAIN(TstSummaryScheduler)
#include "tst_summaryscheduler.moc"
