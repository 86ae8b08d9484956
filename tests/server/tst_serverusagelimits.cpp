// The usage limits over real sockets: a user over its message rate or its day's tokens is
// answered with error rate_limited and keeps its connection while other users go on; a user
// over its connection limit is closed with 4429. In-process Backend, real SQLite, mock LLM.

#include "ServerTestSupport.h"
#include "core/MetricsRegistry.h"
#include "fixtures/WsTestClient.h"
#include "server/ServerMetrics.h"
#include "server/UsageLimits.h"

using namespace Qt::StringLiterals;

class TstServerUsageLimits : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<InProcessServer> server;

    std::unique_ptr<WsTestClient> connectClient(const QUuid &id, const QString &user) {
        auto client = std::make_unique<WsTestClient>();
        if (!client->open(server->wsUrl(id, user)) ||
            client->waitFor().value(u"type"_s).toString() != u"session")
            return nullptr;
        return client;
    }
    // Sends `text` and reads up to the turn's done frame, or to the error that refused it.
    QJsonObject exchange(WsTestClient &client, const QString &text) {
        client.sendText(text);
        for (;;) {
            const QJsonObject frame = client.waitFor();
            const QString type = frame.value(u"type"_s).toString();
            if (type == u"done" || type == u"error" || type.isEmpty())
                return frame;
        }
    }
    double refusals(const QString &limit) const {
        return server->backend->metrics()->value(ServerMetrics::RateLimited, {{u"limit"_s, limit}});
    }
    int storedUserMessages(const QUuid &id) const {
        return int(server->eventsOfType(id, EventType::UserMessage).size());
    }

private Q_SLOTS:
    void init() { server = std::make_unique<InProcessServer>(); }
    void cleanup() { server.reset(); }

    void aFloodingUserIsThrottledWhileOthersGoOn() {
        server->config.maxMessagesPerMinute = 5;
        QVERIFY(server->start());
        const QUuid floodId = QUuid::createUuid();
        const QUuid calmId = QUuid::createUuid();
        auto flood = connectClient(floodId, u"flood"_s);
        auto calm = connectClient(calmId, u"calm"_s);
        QVERIFY(flood && calm);

        for (int i = 1; i <= 5; ++i)
            QCOMPARE(exchange(*flood, u"flood %1"_s.arg(i)).value(u"type"_s).toString(), u"done"_s);
        for (int i = 1; i <= 3; ++i) {
            const QJsonObject refused = exchange(*flood, u"flood more %1"_s.arg(i));
            QCOMPARE(refused.value(u"type"_s).toString(), u"error"_s);
            QCOMPARE(refused.value(u"code"_s).toString(), u"rate_limited"_s);
            QCOMPARE(refused.value(u"retryable"_s).toBool(), true);
            // 5 a minute: the next one is earned within 12 s.
            const qint64 retryAfter = refused.value(u"retry_after"_s).toInteger(-1);
            QVERIFY2(retryAfter >= 1 && retryAfter <= 12, qPrintable(QString::number(retryAfter)));
        }
        // The other user's turns go on, and the flooding one keeps its connection.
        for (int i = 1; i <= 3; ++i)
            QCOMPARE(exchange(*calm, u"calm %1"_s.arg(i)).value(u"type"_s).toString(), u"done"_s);
        flood->sendJson({{u"type"_s, u"ping"_s}});
        QCOMPARE(flood->waitFor().value(u"type"_s).toString(), u"pong"_s);
        QVERIFY(flood->isConnected());

        QCOMPARE(refusals(UsageLimits::MessagesPerUser), 3.0);
        QCOMPARE(storedUserMessages(floodId), 5); // the refused ones are not stored
        QCOMPARE(storedUserMessages(calmId), 3);
    }

    void theDaysTokensAreCounted() {
        server->config.maxTokensPerDay = 30;
        server->llm.setResponder([](const MockLlmRequest &request) {
            return isSummaryRequest(request) ? MockLlmReply::text(kMockSummary)
                                             : MockLlmReply::text(u"OK."_s).withUsage(20, 5);
        });
        QVERIFY(server->start());
        auto ada = connectClient(QUuid::createUuid(), u"ada"_s);
        auto bob = connectClient(QUuid::createUuid(), u"bob"_s);
        QVERIFY(ada && bob);
        QCOMPARE(exchange(*ada, u"one"_s).value(u"type"_s).toString(), u"done"_s); // 25 of 30
        QCOMPARE(exchange(*ada, u"two"_s).value(u"type"_s).toString(), u"done"_s); // 50 of 30
        const QJsonObject refused = exchange(*ada, u"three"_s);
        QCOMPARE(refused.value(u"code"_s).toString(), u"rate_limited"_s);
        QVERIFY(refused.value(u"retry_after"_s).toInteger(-1) > 3600); // 21 tokens at 30 a day
        QCOMPARE(exchange(*bob, u"one"_s).value(u"type"_s).toString(), u"done"_s);
        QCOMPARE(refusals(UsageLimits::TokensPerUser), 1.0);
    }

    void connectionsPerUser() {
        server->config.maxConnectionsPerUser = 2;
        QVERIFY(server->start());
        auto first = connectClient(QUuid::createUuid(), u"ada"_s);
        auto second = connectClient(QUuid::createUuid(), u"ada"_s);
        QVERIFY(first && second);
        WsTestClient third;
        QVERIFY(third.open(server->wsUrl(QUuid::createUuid(), u"ada"_s)));
        QVERIFY(third.waitForClosed());
        QCOMPARE(third.closeCode(), 4429);
        QVERIFY2(third.closeReason().contains(u"2 open connections"_s),
                 qPrintable(third.closeReason()));
        auto bob = connectClient(QUuid::createUuid(), u"bob"_s);
        QVERIFY(bob);
        QCOMPARE(refusals(UsageLimits::ConnectionsPerUser), 1.0);

        // Once one of hers closed, she may connect again.
        first->close();
        QVERIFY(first->waitForClosed());
        QVERIFY(QTest::qWaitFor([&] { return server->backend->connectionCount() == 2; }, 5000));
        QVERIFY(connectClient(QUuid::createUuid(), u"ada"_s));
    }
};

QTEST_GUILESS_MAIN(TstServerUsageLimits)
#include "tst_serverusagelimits.moc"
