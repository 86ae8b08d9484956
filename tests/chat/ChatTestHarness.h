#pragma once

#include "chat/ChatSettings.h"
#include "chat/Conversation.h"
#include "core/ChatMessage.h"
#include "core/Event.h"
#include "fixtures/MockLlmServer.h"
#include "llm/LlmClient.h"
#include "storage/Database.h"
#include "tools/ToolRegistry.h"

#include <QJsonObject>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

// What the conversation tests share: the mock LLM on loopback, a client for it, the built-in
// tools, a real SQLite database with one session, and helpers to wait for futures and read back
// what was stored and what was sent.
class ChatTestHarness {
public:
    ChatTestHarness();
    ~ChatTestHarness();

    bool isReady() const; // every part started; QVERIFY it first

    MockLlmServer mock;
    std::unique_ptr<LlmClient> llm;
    ToolRegistry tools;
    QTemporaryDir dir;
    Database database;
    QUuid sessionId;

    std::unique_ptr<Conversation> conversation(const ChatSettings &settings = {});
    QList<Event> storedEvents(); // flushes, then reads back every event of the session
    static QStringList types(const QList<Event> &events);

    // The messages of a request the mock received, as ChatMessages.
    static QList<ChatMessage> messagesOf(const MockLlmRequest &request);
    static bool isSummaryRequest(const MockLlmRequest &request);

    template <typename T> static bool await(const QFuture<T> &future, int timeoutMs = 15000) {
        return QTest::qWaitFor([&future] { return future.isFinished(); }, timeoutMs);
    }

private:
    bool m_ready = false;
};

// Logs the signals of a Conversation in order, one word each; consecutive deltas collapse into
// one "delta".
class SignalLog : public QObject {
    Q_OBJECT
public:
    explicit SignalLog(Conversation *conversation);

    QStringList entries;
    QString text; // every delta, concatenated
    QList<TurnOutcome> outcomes;
    QList<Event> events;
    int idleCount = 0;
};
