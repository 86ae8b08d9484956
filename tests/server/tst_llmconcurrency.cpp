// Many sessions talking at once, end to end: real WebSocket clients, the in-process Backend and
// the mock OpenAI-compatible server, which counts the chat requests it has in flight. What these
// tests assert is what timing reveals without measuring it: how many requests the LLM endpoint
// sees at once, that turns beyond the cap wait instead of failing, that waiting is not reported
// as a connection failure, and how a dead endpoint is met.

#include "ServerTestSupport.h"
#include "core/MetricsRegistry.h"
#include "fixtures/WsTestClient.h"
#include "llm/LlmCircuitBreaker.h"
#include "llm/LlmFailures.h"
#include "llm/LlmRequestQueue.h"
#include "server/ServerMetrics.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace {

// A reply that takes about `ms` to stream: two tokens, `ms / 2` apart.
MockLlmReply slowReply(int ms) {
    return MockLlmReply::tokens({u"Slow"_s, u" reply."_s}, ms / 2);
}

struct Clients {
    std::vector<std::unique_ptr<WsTestClient>> list;

    bool connect(const InProcessServer &server, int count) {
        for (int i = 0; i < count; ++i) {
            auto client = std::make_unique<WsTestClient>();
            if (!client->open(server.wsUrl(QUuid::createUuid(), u"user%1"_s.arg(i))))
                return false;
            if (client->waitFor(u"session"_s).isEmpty())
                return false;
            list.push_back(std::move(client));
        }
        return true;
    }
    void sendAll(const QString &text) {
        for (auto &client : list)
            client->sendText(text);
    }
};

} // namespace

class TstLlmConcurrency : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Every turn's request starts when the turn does: no cap of six streams per host.
    void everyTurnStreamsAtOnce() {
        InProcessServer server;
        QVERIFY(server.start());
        server.llm.setResponder([](const MockLlmRequest &request) {
            return isSummaryRequest(request) ? MockLlmReply::text(kMockSummary) : slowReply(1000);
        });
        Clients clients;
        QVERIFY(clients.connect(server, 50));
        clients.sendAll(u"Hello"_s);
        for (auto &client : clients.list) {
            const QList<QJsonObject> turn = client->waitForTurn();
            QCOMPARE(WsTestClient::typesOf(turn),
                     (QStringList{u"content"_s, u"content"_s, u"done"_s}));
            QCOMPARE(turn.last().value(u"finish_reason"_s).toString(), u"stop"_s);
        }
        QCOMPARE(server.llm.maxInFlight(), 50);
    }

    // Beyond llm/max_connections turns wait for a slot, in order, and all succeed.
    void turnsBeyondTheCapWait() {
        InProcessServer server;
        server.config.llmMaxConnections = 4;
        QVERIFY(server.start());
        server.llm.setResponder([](const MockLlmRequest &request) {
            return isSummaryRequest(request) ? MockLlmReply::text(kMockSummary) : slowReply(300);
        });
        MetricsRegistry *metrics = server.backend->metrics();
        double mostWaiting = 0;
        connect(server.backend->llm()->queue(), &LlmRequestQueue::loadChanged, this, [&] {
            mostWaiting = std::max(mostWaiting, metrics->value(ServerMetrics::LlmRequestsWaiting));
        });
        Clients clients;
        QVERIFY(clients.connect(server, 20));
        clients.sendAll(u"Hello"_s);
        for (auto &client : clients.list) {
            const QList<QJsonObject> turn = client->waitForTurn(60000);
            QCOMPARE(WsTestClient::typesOf(turn),
                     (QStringList{u"content"_s, u"content"_s, u"done"_s}));
        }
        QCOMPARE(server.llm.maxInFlight(), 4);
        QVERIFY2(mostWaiting >= 16, qPrintable(u"at most %1 waited"_s.arg(mostWaiting)));
        QCOMPARE(metrics->value(ServerMetrics::LlmRequestsWaiting), 0.0);
        QCOMPARE(metrics->value(ServerMetrics::LlmRequestsInFlight), 0.0);
        const MetricLabels interactive{{u"priority"_s, u"interactive"_s}};
        QCOMPARE(metrics->observationCount(ServerMetrics::LlmQueueWait, interactive), 20u);
        QCOMPARE(metrics->value(ServerMetrics::LlmErrors, {{u"kind"_s, u"timeout"_s}}) +
                     metrics->value(ServerMetrics::LlmErrors, {{u"kind"_s, u"unavailable"_s}}),
                 0.0);
    }

    // The endpoint dies while 30 turns wait: each ends with one clear error, the breaker opens
    // (later turns fail at once, with a retry hint), and the first turn after the endpoint is
    // back succeeds and closes the breaker.
    void deadEndpointOpensTheBreaker() {
        InProcessServer server;
        server.config.llmMaxConnections = 2;
        QVERIFY(server.start());
        LlmClient *llm = server.backend->llm();
        LlmSettings settings = llm->settings();
        settings.breakerOpenMs = 500;
        llm->setSettings(settings);
        server.llm.setResponder([](const MockLlmRequest &) { return slowReply(4000); });
        const quint16 port = server.llm.port();

        Clients clients;
        QVERIFY(clients.connect(server, 32));
        clients.sendAll(u"Hello"_s);
        QVERIFY(QTest::qWaitFor(
            [&] { return llm->queue()->waiting() == 30 && server.llm.inFlight() == 2; }, 10000));
        server.llm.stopListening();

        for (auto &client : clients.list) {
            const QList<QJsonObject> turn = client->waitForTurn();
            QCOMPARE(turn.last().value(u"type"_s).toString(), u"done"_s);
            QCOMPARE(turn.last().value(u"finish_reason"_s).toString(), u"error"_s);
            QList<QJsonObject> errors;
            for (const QJsonObject &frame : turn)
                if (frame.value(u"type"_s).toString() == u"error")
                    errors.append(frame);
            QCOMPARE(errors.size(), 1);
            const QJsonObject error = errors.first();
            QCOMPARE(error.value(u"code"_s).toString(), u"llm_unavailable"_s);
            QVERIFY(error.value(u"retryable"_s).toBool());
            const QString message = error.value(u"message"_s).toString();
            QVERIFY2(!message.contains(u"within"_s), qPrintable(message)); // no false timeout
        }
        QCOMPARE(llm->breaker()->state(), LlmCircuitBreaker::State::Open);
        QCOMPARE(server.backend->metrics()->value(ServerMetrics::LlmCircuitState), 1.0);

        // While open, a new turn fails at once and says when to try again (the operator's
        // "not answering" detail is logged, not sent).
        WsTestClient &first = *clients.list.front();
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(u"request failed: unavailable - .* is not "
                                                "answering"_s));
        first.sendText(u"Are you there?"_s);
        QJsonObject refused = first.waitFor(u"error"_s);
        QCOMPARE(refused.value(u"message"_s).toString(), LlmFailures::unavailableForUsers());
        QCOMPARE(refused.value(u"retryable"_s).toBool(), true);
        QVERIFY(refused.value(u"retry_after"_s).toInt() >= 1);
        QVERIFY(!first.waitForTurn().isEmpty());

        server.llm.setResponder(
            [](const MockLlmRequest &) { return MockLlmReply::text(u"Back."_s); });
        QVERIFY(server.llm.listen(port));
        QTest::qWait(600); // the breaker lets a probe through after breakerOpenMs
        first.sendText(u"And now?"_s);
        const QList<QJsonObject> recovered = first.waitForTurn();
        QCOMPARE(WsTestClient::contentOf(recovered), u"Back."_s);
        QCOMPARE(recovered.last().value(u"finish_reason"_s).toString(), u"stop"_s);
        QCOMPARE(llm->breaker()->state(), LlmCircuitBreaker::State::Closed);
    }

    // Summaries never take every slot: with two slots and ten summaries due, a live turn is
    // sent while summaries are still waiting.
    void summariesLeaveRoomForLiveTurns() {
        InProcessServer server;
        server.config.llmMaxConnections = 2;
        QVERIFY(server.start());
        int summariesSeen = 0;
        int summariesBeforeLiveTurn = -1;
        server.llm.setResponder([&](const MockLlmRequest &request) {
            if (isSummaryRequest(request)) {
                ++summariesSeen;
                return MockLlmReply::tokens({u"A"_s, u" summary."_s}, 150);
            }
            if (lastUserText(request) == u"Live question"_s)
                summariesBeforeLiveTurn = summariesSeen;
            return MockLlmReply::text(u"Hi."_s);
        });
        {
            Clients leaving; // ten sessions that said something, then left: ten summaries due
            QVERIFY(leaving.connect(server, 10));
            leaving.sendAll(u"Hello"_s);
            for (auto &client : leaving.list)
                QVERIFY(!client->waitForTurn().isEmpty());
        }
        QVERIFY(QTest::qWaitFor([&] { return summariesSeen >= 1; }, 10000));
        Clients live;
        QVERIFY(live.connect(server, 1));
        live.sendAll(u"Live question"_s);
        QCOMPARE(WsTestClient::contentOf(live.list.front()->waitForTurn()), u"Hi."_s);
        QVERIFY2(
            summariesBeforeLiveTurn >= 1 && summariesBeforeLiveTurn < 10,
            qPrintable(u"the live turn came after %1 summaries"_s.arg(summariesBeforeLiveTurn)));
        QVERIFY(QTest::qWaitFor([&] { return summariesSeen == 10; }, 20000));
        QCOMPARE(server.llm.maxInFlight(), 2);
        const MetricLabels background{{u"priority"_s, u"background"_s}};
        QCOMPARE(
            server.backend->metrics()->observationCount(ServerMetrics::LlmQueueWait, background),
            10u);
    }

    // A burst of disconnects is summarized summaries/concurrency at a time, not one by one.
    void summariesRunConcurrently() {
        InProcessServer server;
        server.summarySettings.concurrency = 12;
        QVERIFY(server.start());
        int summaries = 0;
        server.llm.setResponder([&summaries](const MockLlmRequest &request) {
            if (!isSummaryRequest(request))
                return MockLlmReply::text(u"Hi."_s);
            ++summaries;
            return MockLlmReply::tokens({u"A"_s, u" summary."_s}, 500);
        });
        {
            Clients leaving;
            QVERIFY(leaving.connect(server, 30));
            leaving.sendAll(u"Hello"_s);
            for (auto &client : leaving.list)
                QVERIFY(!client->waitForTurn().isEmpty());
            server.llm.resetMaxInFlight();
        }
        QVERIFY(
            QTest::qWaitFor([&] { return summaries == 30 && server.llm.inFlight() == 0; }, 30000));
        QCOMPARE(server.llm.maxInFlight(), 12);
    }
};

QTEST_GUILESS_MAIN(TstLlmConcurrency)
#include "tst_llmconcurrency.moc"
