// Sessions spread over several network threads (--threads), end to end: real WebSocket clients,
// the in-process Backend and the mock LLM. Each session lives on the thread its id hashes to;
// these tests check that every path of a session's life works there, and that what the main
// thread shows (the console's live sessions, the connection counts, REST) matches the threads
// and the database.

#include "ServerTestSupport.h"
#include "fixtures/WsTestClient.h"
#include "server/SessionRouter.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>

using namespace Qt::StringLiterals;

namespace {

constexpr int kThreads = 4;

MockLlmReply slowReply(int tokens, int gapMs) {
    QStringList parts;
    for (int i = 0; i < tokens; ++i)
        parts << u"t%1 "_s.arg(i);
    return MockLlmReply::tokens(parts, gapMs);
}

struct Talker {
    QUuid id = QUuid::createUuid();
    std::unique_ptr<WsTestClient> client;
};

// `count` sessions whose ids land on every one of the router's threads.
std::vector<Talker> sessionsOnEveryThread(const SessionRouter *router, int count) {
    std::vector<Talker> sessions;
    while (int(sessions.size()) < count) {
        Talker session;
        const int thread = router->threadOf(session.id);
        const auto onThread =
            std::count_if(sessions.cbegin(), sessions.cend(),
                          [&](const Talker &s) { return router->threadOf(s.id) == thread; });
        if (onThread < (count + kThreads - 1) / kThreads)
            sessions.push_back(std::move(session));
    }
    return sessions;
}

} // namespace

class TstNetworkThreads : public QObject {
    Q_OBJECT

    std::unique_ptr<InProcessServer> server;

    bool connect(Talker &session, const QString &user = u"ana"_s) {
        session.client = std::make_unique<WsTestClient>();
        return session.client->open(server->wsUrl(session.id, user)) &&
               !session.client->waitFor(u"session"_s).isEmpty();
    }
    double threadConnections(int thread) const {
        return server->backend->metrics()->value(ServerMetrics::ThreadConnections,
                                                 {{u"thread"_s, QString::number(thread)}});
    }

private Q_SLOTS:
    void init() {
        server = std::make_unique<InProcessServer>();
        server->config.threads = kThreads;
        QVERIFY(server->start());
        QCOMPARE(server->backend->sessions()->threadCount(), kThreads);
    }
    void cleanup() { server.reset(); }

    // Every thread serves its sessions, and the main thread's views add up to the same.
    void sessionsTalkOnEveryThread() {
        SessionRouter *router = server->backend->sessions();
        std::vector<Talker> sessions = sessionsOnEveryThread(router, 16);
        for (Talker &session : sessions)
            QVERIFY(connect(session));
        for (Talker &session : sessions)
            session.client->sendText(u"Hello"_s);
        for (Talker &session : sessions) {
            const QList<QJsonObject> turn = session.client->waitForTurn();
            QCOMPARE(turn.last().value(u"finish_reason"_s).toString(), u"stop"_s);
            QCOMPARE(WsTestClient::contentOf(turn), u"OK."_s);
        }
        QTRY_COMPARE(server->backend->connectionCount(), 16);
        for (int thread = 0; thread < kThreads; ++thread)
            QCOMPARE(threadConnections(thread), 4.0);
        QCOMPARE(server->backend->metrics()->value(ServerMetrics::WebSocketConnections), 16.0);
        QCOMPARE(server->backend->metrics()->value(ServerMetrics::ActiveSessions), 16.0);

        // The console's live sessions are the database's open ones.
        const QList<QUuid> liveIds = server->backend->sessionIds();
        const QSet<QUuid> live(liveIds.cbegin(), liveIds.cend());
        QSet<QUuid> stored;
        for (const Talker &session : sessions) {
            const auto row = server->session(session.id);
            QVERIFY(row);
            if (row->isActive())
                stored.insert(session.id);
            QCOMPARE(server->backend->sessionUserId(session.id), u"ana"_s);
            QVERIFY(server->backend->conversation(session.id));
        }
        QCOMPARE(live, stored);
        QCOMPARE(live.size(), 16);

        for (Talker &session : sessions)
            session.client->close();
        for (const Talker &session : sessions)
            QVERIFY(server->waitForEnded(session.id));
        QTRY_COMPARE(server->backend->connectionCount(), 0);
        QTRY_VERIFY(server->backend->sessionIds().isEmpty());
        QCOMPARE(server->backend->metrics()->value(ServerMetrics::ActiveSessions), 0.0);
    }

    // Cancel, leave, resume and replacement, on a thread other than the main one.
    void aSessionsLifeOnItsThread() {
        Talker session;
        QVERIFY(connect(session));
        server->llm.enqueue(slowReply(100, 20));
        session.client->sendText(u"Tell me a long story"_s);
        QVERIFY(!session.client->waitFor(u"content"_s).isEmpty());
        session.client->sendJson({{u"type"_s, u"cancel"_s}});
        QCOMPARE(session.client->waitForTurn().last().value(u"finish_reason"_s).toString(),
                 u"cancelled"_s);

        session.client->close();
        QVERIFY(server->waitForEnded(session.id));
        QVERIFY(connect(session)); // resumed
        QCOMPARE(session.client->frames().first().value(u"resumed"_s).toBool(), true);
        const QJsonObject history = session.client->waitFor(u"history"_s);
        QCOMPARE(history.value(u"messages"_s).toArray().size(), 2);

        // A newer connection replaces the older one; the session goes on with it.
        auto newer = std::make_unique<WsTestClient>();
        QVERIFY(newer->open(server->wsUrl(session.id, u"ana"_s)));
        QVERIFY(!newer->waitFor(u"session"_s).isEmpty());
        QVERIFY(session.client->waitForClosed());
        QCOMPARE(session.client->closeCode(), 4000);
        newer->sendText(u"Still there?"_s);
        QCOMPARE(WsTestClient::contentOf(newer->waitForTurn()), u"OK."_s);

        // The operator ends it from the main thread.
        QVERIFY(server->backend->endSession(session.id));
        QVERIFY(newer->waitForClosed());
        QCOMPARE(newer->closeCode(), 1000);
        QVERIFY(server->waitForSummary(session.id));
    }

    // REST reaches the session's thread: a live session is not deleted, an ended one is.
    void restDeletesOnTheSessionsThread() {
        Talker session;
        QVERIFY(connect(session));
        QNetworkAccessManager http;
        const auto remove = [&] {
            QNetworkReply *reply = http.deleteResource(
                QNetworkRequest(server->httpUrl(u"/api/sessions/"_s + Ids::toText(session.id))));
            QSignalSpy finished(reply, &QNetworkReply::finished);
            finished.wait(10000);
            reply->deleteLater();
            return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        };
        QCOMPARE(remove(), 409);
        session.client->close();
        QVERIFY(server->waitForEnded(session.id));
        QTRY_VERIFY(!server->backend->sessions()->isLive(session.id));
        QCOMPARE(remove(), 200);
        QVERIFY(!server->session(session.id));
    }

    // A graceful stop with a turn streaming on every thread: each is cancelled and stored, each
    // client closed with 1001, and every session ended in the database before stopped().
    void gracefulStopWithTurnsOnEveryThread() {
        std::vector<Talker> sessions = sessionsOnEveryThread(server->backend->sessions(), 8);
        server->llm.setResponder([](const MockLlmRequest &) { return slowReply(200, 20); });
        for (Talker &session : sessions) {
            QVERIFY(connect(session));
            session.client->sendText(u"go on"_s);
        }
        for (Talker &session : sessions)
            QVERIFY(!session.client->waitFor(u"content"_s).isEmpty());

        QSignalSpy stopped(server->backend.get(), &Backend::stopped);
        server->backend->stop();
        QVERIFY(stopped.wait(10000));
        for (Talker &session : sessions) {
            QVERIFY(session.client->waitForClosed());
            QCOMPARE(session.client->closeCode(), 1001);
            const auto row = server->session(session.id);
            QVERIFY(row);
            QVERIFY(!row->isActive());
            const QList<Event> replies =
                server->eventsOfType(session.id, EventType::AssistantMessage);
            QCOMPARE(replies.size(), 1);
            QCOMPARE(replies.first().metadata.value(u"interrupted"_s).toBool(), true);
        }
    }
};

QTEST_GUILESS_MAIN(TstNetworkThreads)
#include "tst_networkthreads.moc"
