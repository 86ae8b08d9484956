#include "ChatTestHarness.h"
#include "chat/ChatEvents.h"
#include "chat/ContextWindow.h"
#include "chat/TurnRunner.h"
#include "fixtures/MockLlmRules.h"
#include "llm/LlmFailures.h"
#include "tools/Tool.h"

#include <QJsonArray>
#include <QPromise>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

constexpr int kWait = 15000;

// Answers only when two calls run at the same time: proves the calls of one response run
// concurrently (run one after the other, the first would time out).
class RendezvousTool : public Tool {
public:
    QString name() const override { return u"rendezvous"_s; }
    QString description() const override { return u"Meets another call."_s; }
    QJsonObject parametersSchema() const override {
        return {{u"type"_s, u"object"_s},
                {u"properties"_s, QJsonObject{{u"who"_s, QJsonObject{{u"type"_s, u"string"_s}}}}},
                {u"required"_s, QJsonArray{u"who"_s}}};
    }
    std::chrono::milliseconds timeout() const override { return std::chrono::seconds(5); }
    QFuture<ToolResult> invoke(const QJsonObject &arguments) override {
        auto promise = std::make_shared<QPromise<ToolResult>>();
        promise->start();
        m_waiting.append({promise, arguments.value(u"who"_s).toString()});
        if (m_waiting.size() == 2) {
            for (const auto &[waiting, who] : std::as_const(m_waiting)) {
                waiting->addResult(ToolResult::success(QJsonObject{{u"met"_s, who}}));
                waiting->finish();
            }
            m_waiting.clear();
        }
        return promise->future();
    }

private:
    QList<QPair<std::shared_ptr<QPromise<ToolResult>>, QString>> m_waiting;
};

// Never answers (until the registry's timeout): a tool still running when the turn is cancelled.
class HangingTool : public Tool {
public:
    QString name() const override { return u"hang"_s; }
    QString description() const override { return u"Takes forever."_s; }
    QJsonObject parametersSchema() const override { return {{u"type"_s, u"object"_s}}; }
    std::chrono::milliseconds timeout() const override { return std::chrono::seconds(30); }
    QFuture<ToolResult> invoke(const QJsonObject &) override {
        m_promises.append(std::make_shared<QPromise<ToolResult>>());
        m_promises.last()->start();
        return m_promises.last()->future();
    }

private:
    QList<std::shared_ptr<QPromise<ToolResult>>> m_promises;
};

QString words(const QString &prefix, int count) {
    QStringList list;
    for (int i = 0; i < count; ++i)
        list << u"%1%2"_s.arg(prefix).arg(i);
    return list.join(u' ');
}

} // namespace

class TestConversation : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fullTurn() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.enqueue(MockLlmReply::tokens({u"Hello"_s, u" there"_s, u", Ada"_s, u"!"_s}, 5)
                           .withUsage(21, 4));
        ChatSettings settings;
        settings.systemPrompt = u"You are terse."_s;
        auto conversation = h.conversation(settings);
        SignalLog log(conversation.get());

        QCOMPARE(conversation->send(u"Hi, I am Ada"_s), Conversation::SendResult::Started);
        QVERIFY(conversation->isBusy());
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);
        QVERIFY(!conversation->isBusy());

        QCOMPARE(log.entries, (QStringList{u"user_message"_s, u"turnStarted"_s, u"delta"_s,
                                           u"assistant_message"_s, u"turnFinished"_s, u"idle"_s}));
        QCOMPARE(log.text, u"Hello there, Ada!"_s);
        const TurnOutcome outcome = log.outcomes.first();
        QCOMPARE(outcome.finishReason, u"stop"_s);
        QCOMPARE(outcome.usage.promptTokens, 21);
        QCOMPARE(outcome.usage.completionTokens, 4);
        QVERIFY(outcome.ttftMs >= 0);
        QVERIFY(outcome.durationMs >= outcome.ttftMs);
        QVERIFY(!outcome.model.isEmpty());

        // What the model was asked.
        QCOMPARE(h.mock.requestCount(), 1);
        const QList<ChatMessage> sent = ChatTestHarness::messagesOf(h.mock.lastRequest());
        QCOMPARE(sent, (QList<ChatMessage>{ChatMessage::system(u"You are terse."_s),
                                           ChatMessage::user(u"Hi, I am Ada"_s)}));
        QCOMPARE(h.mock.lastRequest().json.value(u"tools"_s).toArray(), h.tools.openAiTools());
        QVERIFY(!h.mock.lastRequest().json.contains(u"max_tokens"_s)); // the provider's limit

        // What was stored, as it was emitted.
        const QList<Event> stored = h.storedEvents();
        QCOMPARE(ChatTestHarness::types(stored),
                 (QStringList{EventType::UserMessage, EventType::AssistantMessage}));
        QCOMPARE(stored.at(0).content, u"Hi, I am Ada"_s);
        const Event &reply = stored.at(1);
        QCOMPARE(reply.content, u"Hello there, Ada!"_s);
        QCOMPARE(reply.metadata.value(u"finish_reason"_s).toString(), u"stop"_s);
        QCOMPARE(reply.metadata.value(u"model"_s).toString(), outcome.model);
        QCOMPARE(reply.metadata.value(u"usage"_s)[u"prompt_tokens"_s].toInt(), 21);
        QCOMPARE(reply.metadata.value(u"usage"_s)[u"completion_tokens"_s].toInt(), 4);
        QCOMPARE(reply.metadata.value(u"ttft_ms"_s).toInteger(), outcome.ttftMs);
        QCOMPARE(reply.metadata.value(u"interrupted"_s), QJsonValue(false));
        QCOMPARE(log.events.size(), stored.size());
        QCOMPARE(conversation->history(),
                 (QList<ChatMessage>{ChatMessage::user(u"Hi, I am Ada"_s),
                                     ChatMessage::assistant(u"Hello there, Ada!"_s)}));
    }

    void outputWaitsForTheUserMessageCommit() {
        // Durable before acknowledged: whenever the conversation emits something of a turn that a
        // client would see as a frame, the turn's user_message is committed. A second connection
        // to the SQLite file sees only committed rows.
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.enqueue(MockLlmReply::toolCalls(
            {{u"call_1"_s, u"calculator"_s, u"{\"expression\":\"6*7\"}"_s}}));
        h.mock.enqueue(MockLlmReply::tokens({u"It is"_s, u" 42."_s}));
        h.mock.enqueue(MockLlmReply::text(u"Again."_s));
        auto conversation = h.conversation();
        const QString file = h.dir.filePath(u"chat.db"_s);
        QStringList seen;
        const auto committed = [&](const QString &signal) {
            QStringList texts;
            {
                QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"committed"_s);
                db.setDatabaseName(file);
                if (db.open()) {
                    QSqlQuery query(db);
                    query.exec(u"SELECT content FROM session_events WHERE event_type = "
                               "'user_message' ORDER BY id"_s);
                    while (query.next())
                        texts << query.value(0).toString();
                }
            }
            QSqlDatabase::removeDatabase(u"committed"_s);
            seen << signal + u": "_s + texts.join(u'|');
        };
        connect(conversation.get(), &Conversation::toolStarted, this,
                [&] { committed(u"toolStarted"_s); });
        connect(conversation.get(), &Conversation::toolFinished, this,
                [&] { committed(u"toolFinished"_s); });
        connect(conversation.get(), &Conversation::contentDelta, this,
                [&] { committed(u"contentDelta"_s); });
        connect(conversation.get(), &Conversation::turnFinished, this,
                [&] { committed(u"turnFinished"_s); });
        SignalLog log(conversation.get());

        conversation->send(u"What is 6*7?"_s);
        conversation->send(u"Queued"_s);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);
        const QString first = u"What is 6*7?|Queued"_s;
        QCOMPARE(seen.size(), 7);
        for (const QString &line : std::as_const(seen))
            QVERIFY2(line.endsWith(first), qPrintable(line));
        QCOMPARE(log.text, u"It is 42.Again."_s);
    }

    void replyLengthIsCappedWhenConfigured() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.enqueue(
            MockLlmReply::tokens({u"Once"_s, u" upon"_s}, 1).withFinishReason(u"length"_s));
        ChatSettings settings;
        settings.maxReplyTokens = 2;
        auto conversation = h.conversation(settings);
        SignalLog log(conversation.get());
        QCOMPARE(conversation->send(u"Tell me a story"_s), Conversation::SendResult::Started);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);
        QCOMPARE(h.mock.lastRequest().json.value(u"max_tokens"_s).toInt(), 2);
        QCOMPARE(log.outcomes.first().finishReason, u"length"_s);
        QCOMPARE(log.text, u"Once upon"_s);
    }

    void toolRoundTripWithConcurrentCalls() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.tools.add(std::make_unique<RendezvousTool>());
        h.mock.enqueue(
            MockLlmReply::toolCalls({{u"call_a"_s, u"rendezvous"_s, u"{\"who\":\"alice\"}"_s},
                                     {u"call_b"_s, u"rendezvous"_s, u"{\"who\":\"bob\"}"_s}}));
        h.mock.enqueue(MockLlmReply::text(u"Alice met Bob."_s));
        auto conversation = h.conversation();
        SignalLog log(conversation.get());
        QSignalSpy finishedTools(conversation.get(), &Conversation::toolFinished);

        conversation->send(u"Introduce them"_s);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);

        QCOMPARE(log.entries,
                 (QStringList{u"user_message"_s, u"turnStarted"_s, u"tool_call"_s, u"tool_call"_s,
                              u"toolStarted"_s, u"toolStarted"_s, u"tool_result"_s,
                              u"toolFinished"_s, u"tool_result"_s, u"toolFinished"_s, u"delta"_s,
                              u"assistant_message"_s, u"turnFinished"_s, u"idle"_s}));
        QCOMPARE(finishedTools.size(), 2);
        for (const QList<QVariant> &args : finishedTools)
            QVERIFY2(args.at(2).toBool(), "both calls met: they ran concurrently");
        QCOMPARE(log.outcomes.first().finishReason, u"stop"_s);

        const QList<Event> stored = h.storedEvents();
        QCOMPARE(ChatTestHarness::types(stored),
                 (QStringList{EventType::UserMessage, EventType::ToolCall, EventType::ToolCall,
                              EventType::ToolResult, EventType::ToolResult,
                              EventType::AssistantMessage}));
        QCOMPARE(stored.at(1).metadata.value(u"call_id"_s).toString(), u"call_a"_s);
        QCOMPARE(stored.at(1).metadata.value(u"name"_s).toString(), u"rendezvous"_s);
        QCOMPARE(stored.at(1).metadata.value(u"arguments"_s)[u"who"_s].toString(), u"alice"_s);
        QCOMPARE(stored.at(3).metadata.value(u"ok"_s), QJsonValue(true));
        QCOMPARE(stored.at(5).content, u"Alice met Bob."_s);
        QCOMPARE(stored.at(5).metadata.value(u"tool_calls"_s).toArray().size(), 2);

        // The second request carries both calls and both results.
        QCOMPARE(h.mock.requestCount(), 2);
        const QList<ChatMessage> sent = ChatTestHarness::messagesOf(h.mock.lastRequest());
        QCOMPARE(sent.size(), 4);
        QCOMPARE(sent.at(0), ChatMessage::user(u"Introduce them"_s));
        QCOMPARE(sent.at(1).toolCalls.size(), 2);
        QSet<QString> answered{sent.at(2).toolCallId, sent.at(3).toolCallId};
        QCOMPARE(answered, (QSet<QString>{u"call_a"_s, u"call_b"_s}));
        QVERIFY(sent.at(2).content.contains(u"met"_s));
        QCOMPARE(conversation->history().size(), 5);
    }

    void toolErrorsGoBackToTheModel() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.enqueue(MockLlmReply::toolCalls({{u"c1"_s, u"no_such_tool"_s, u"{}"_s}}));
        h.mock.enqueue(MockLlmReply::text(u"Sorry, I cannot do that."_s));
        auto conversation = h.conversation();
        SignalLog log(conversation.get());
        conversation->send(u"Do the impossible"_s);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);
        QCOMPARE(log.outcomes.first().finishReason, u"stop"_s);
        QVERIFY(!ChatTestHarness::types(log.events).contains(EventType::Error));
        const QList<ChatMessage> sent = ChatTestHarness::messagesOf(h.mock.lastRequest());
        QCOMPARE(sent.last().role, ChatMessage::Role::Tool);
        QVERIFY(sent.last().content.contains(u"error"_s));
        const Event result = log.events.at(2);
        QCOMPARE(result.type, EventType::ToolResult);
        QCOMPARE(result.metadata.value(u"ok"_s), QJsonValue(false));
    }

    void stepLimitEndsTheTurnWithAMessage() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        int calls = 0;
        h.mock.setResponder([&calls](const MockLlmRequest &) {
            ++calls;
            return MockLlmReply::toolCalls(
                {{u"calc_%1"_s.arg(calls), u"calculator"_s, u"{\"expression\":\"1+1\"}"_s}});
        });
        ChatSettings settings;
        settings.maxToolSteps = 2;
        auto conversation = h.conversation(settings);
        SignalLog log(conversation.get());
        conversation->send(u"Loop forever"_s);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);

        QCOMPARE(h.mock.requestCount(), 3); // two rounds of tools, then the refused third
        QCOMPARE(ChatTestHarness::types(log.events).count(EventType::ToolCall), 2);
        QCOMPARE(ChatTestHarness::types(log.events).count(EventType::ToolResult), 2);
        QCOMPARE(log.outcomes.first().finishReason, u"length"_s);
        QCOMPARE(log.text, TurnRunner::stepLimitMessage(2));
        QVERIFY(log.text.contains(u"2 rounds of tool calls"_s));
        const Event reply = log.events.last();
        QCOMPARE(reply.type, EventType::AssistantMessage);
        QCOMPARE(reply.content, log.text);
        QCOMPARE(reply.metadata.value(u"finish_reason"_s).toString(), u"length"_s);
        // The refused calls are not in memory: every call there has its result.
        const QList<ChatMessage> history = conversation->history();
        QCOMPARE(history.size(), 1 + 2 * 2 + 1);
    }

    void queuedMessagesRunInOrderAndOverflowIsBusy() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.setResponder([](const MockLlmRequest &request) {
            const QList<ChatMessage> messages = ChatTestHarness::messagesOf(request);
            return MockLlmReply::tokens({u"re: "_s, messages.last().content}, 20);
        });
        ChatSettings settings;
        settings.maxQueuedMessages = 2;
        auto conversation = h.conversation(settings);
        SignalLog log(conversation.get());
        QSignalSpy started(conversation.get(), &Conversation::turnStarted);

        QCOMPARE(conversation->send(u"one"_s), Conversation::SendResult::Started);
        QCOMPARE(conversation->send(u"two"_s), Conversation::SendResult::Queued);
        QCOMPARE(conversation->send(u"three"_s), Conversation::SendResult::Queued);
        QCOMPARE(conversation->send(u"four"_s), Conversation::SendResult::Busy);
        QCOMPARE(conversation->queuedCount(), 2);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);

        QCOMPARE(started.size(), 3);
        QCOMPARE(started.at(0).at(0).toString(), u"one"_s);
        QCOMPARE(started.at(1).at(0).toString(), u"two"_s);
        QCOMPARE(started.at(2).at(0).toString(), u"three"_s);
        QCOMPARE(log.outcomes.size(), 3);
        QCOMPARE(log.text, u"re: onere: twore: three"_s);

        // Each turn saw the earlier ones, answered, and nothing queued after it.
        const QList<ChatMessage> third = ChatTestHarness::messagesOf(h.mock.lastRequest());
        QCOMPARE(third, (QList<ChatMessage>{
                            ChatMessage::user(u"one"_s), ChatMessage::assistant(u"re: one"_s),
                            ChatMessage::user(u"two"_s), ChatMessage::assistant(u"re: two"_s),
                            ChatMessage::user(u"three"_s)}));
        const QList<Event> stored = h.storedEvents();
        QCOMPARE(ChatTestHarness::types(stored).count(EventType::UserMessage), 3);
        for (const Event &event : stored)
            QVERIFY(event.content != u"four"_s);

        // Resumed from the database, the memory is the same despite the interleaved storage.
        auto resumed = h.conversation(settings);
        resumed->restore(stored);
        QCOMPARE(resumed->history(), conversation->history());
        QCOMPARE(resumed->history().at(2), ChatMessage::user(u"two"_s));
    }

    void cancelMidStreamKeepsThePartialReply() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        QStringList tokens;
        for (int i = 0; i < 200; ++i)
            tokens << u"tok%1 "_s.arg(i);
        h.mock.enqueue(MockLlmReply::tokens(tokens, 30));
        h.mock.enqueue(MockLlmReply::text(u"Second answer."_s));
        auto conversation = h.conversation();
        SignalLog log(conversation.get());

        conversation->send(u"Tell me a long story"_s);
        QCOMPARE(conversation->send(u"And then?"_s), Conversation::SendResult::Queued);
        QTRY_VERIFY_WITH_TIMEOUT(log.text.size() >= 10, kWait);
        conversation->cancel();
        QCOMPARE(log.outcomes.size(), 1);
        QCOMPARE(log.outcomes.first().finishReason, u"cancelled"_s);
        const QString partial = log.text;
        QVERIFY(partial.startsWith(u"tok0 "_s));
        QVERIFY(!partial.contains(u"tok199"_s));

        // The queued message goes on.
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);
        QCOMPARE(log.outcomes.size(), 2);
        QCOMPARE(log.outcomes.at(1).finishReason, u"stop"_s);

        const QList<Event> stored = h.storedEvents();
        QCOMPARE(ChatTestHarness::types(stored),
                 (QStringList{EventType::UserMessage, EventType::UserMessage,
                              EventType::AssistantMessage, EventType::AssistantMessage}));
        QCOMPARE(stored.at(2).content, partial);
        QCOMPARE(stored.at(2).metadata.value(u"interrupted"_s), QJsonValue(true));
        QCOMPARE(stored.at(2).metadata.value(u"finish_reason"_s).toString(), u"cancelled"_s);
        QCOMPARE(stored.at(3).content, u"Second answer."_s);
        // The second request saw the partial reply.
        const QList<ChatMessage> sent = ChatTestHarness::messagesOf(h.mock.lastRequest());
        QCOMPARE(sent.at(1), ChatMessage::assistant(partial));
    }

    void cancelWhileToolsRunStoresTheirResults() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.tools.add(std::make_unique<HangingTool>());
        h.mock.enqueue(MockLlmReply::toolCalls({{u"h1"_s, u"hang"_s, u"{}"_s}}));
        auto conversation = h.conversation();
        SignalLog log(conversation.get());
        QSignalSpy toolStarted(conversation.get(), &Conversation::toolStarted);
        conversation->send(u"Hang"_s);
        QTRY_COMPARE_WITH_TIMEOUT(toolStarted.size(), 1, kWait);
        conversation->cancelAll();
        QCOMPARE(log.idleCount, 1);
        QCOMPARE(log.outcomes.first().finishReason, u"cancelled"_s);
        QCOMPARE(ChatTestHarness::types(log.events),
                 (QStringList{EventType::UserMessage, EventType::ToolCall, EventType::ToolResult,
                              EventType::AssistantMessage}));
        QCOMPARE(log.events.at(2).metadata.value(u"ok"_s), QJsonValue(false));
        QCOMPARE(log.entries.count(u"toolFinished"_s), 1);
        QCOMPARE(conversation->history().size(), 3); // user, call, result (no text to keep)
    }

    void cancelAllKeepsQueuedMessagesStored() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.enqueue(MockLlmReply::stall());
        h.mock.enqueue(MockLlmReply::text(u"Fresh answer."_s));
        auto conversation = h.conversation();
        SignalLog log(conversation.get());
        conversation->send(u"first"_s);
        conversation->send(u"second"_s);
        QTRY_COMPARE_WITH_TIMEOUT(h.mock.requestCount(), 1, kWait);
        conversation->cancelAll();
        QCOMPARE(log.idleCount, 1);
        QVERIFY(!conversation->isBusy());
        QCOMPARE(log.outcomes.size(), 1);

        conversation->send(u"third"_s);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 2, kWait);
        // "second" was never answered, yet it is remembered, in its place.
        QCOMPARE(ChatTestHarness::messagesOf(h.mock.lastRequest()),
                 (QList<ChatMessage>{ChatMessage::user(u"first"_s), ChatMessage::user(u"second"_s),
                                     ChatMessage::user(u"third"_s)}));
        auto resumed = h.conversation();
        resumed->restore(h.storedEvents());
        QCOMPARE(resumed->history(), conversation->history());
        // It is marked as such (error not_answered, its turn_id): no turn looks interrupted.
        const QList<Event> stored = h.storedEvents();
        QVERIFY(ChatEvents::unansweredTurns(stored).isEmpty());
        QCOMPARE(std::count_if(stored.cbegin(), stored.cend(),
                               [](const Event &event) {
                                   return ChatEvents::errorCode(event) == u"not_answered"_s;
                               }),
                 1);
    }

    void destroyedMidTurnStoresThePartialReply() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        QStringList tokens;
        for (int i = 0; i < 100; ++i)
            tokens << u"t%1 "_s.arg(i);
        h.mock.enqueue(MockLlmReply::tokens(tokens, 30));
        auto conversation = h.conversation();
        SignalLog log(conversation.get());
        conversation->send(u"Go"_s);
        QTRY_VERIFY_WITH_TIMEOUT(!log.text.isEmpty(), kWait);
        conversation.reset();
        QCOMPARE(log.outcomes.size(), 0); // nothing is emitted by a conversation going away
        const QList<Event> stored = h.storedEvents();
        QCOMPARE(ChatTestHarness::types(stored),
                 (QStringList{EventType::UserMessage, EventType::AssistantMessage}));
        QVERIFY(stored.at(1).content.startsWith(log.text));
        QCOMPARE(stored.at(1).metadata.value(u"interrupted"_s), QJsonValue(true));
    }

    void worksWithoutToolsOrDatabase() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.enqueue(MockLlmReply::toolCalls({{u"c1"_s, u"calculator"_s, u"{}"_s}}));
        h.mock.enqueue(MockLlmReply::text(u"No tools, then."_s));
        Conversation conversation(h.sessionId, h.llm.get(), nullptr, nullptr, {});
        SignalLog log(&conversation);
        conversation.send(u"Compute"_s);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);
        QVERIFY(!h.mock.requests().first().json.contains(u"tools"_s));
        QCOMPARE(log.text, u"No tools, then."_s);
        QCOMPARE(log.events.at(2).type, EventType::ToolResult);
        QCOMPARE(log.events.at(2).metadata.value(u"ok"_s), QJsonValue(false));
        QVERIFY(h.storedEvents().isEmpty());
    }

    void llmErrorIsStoredAndReported() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.enqueue(MockLlmReply::httpError(400, u"Unsupported parameter: 'foo'."_s,
                                               u"invalid_request_error"_s));
        h.mock.enqueue(MockLlmReply::tokens({u"Par"_s, u"tial"_s})
                           .addErrorEvent(u"The server had an error"_s, u"server_error"_s));
        h.mock.enqueue(MockLlmReply::text(u"Back again."_s));
        auto conversation = h.conversation();
        SignalLog log(conversation.get());
        // The operator's detail goes to the log; the person chatting is told it is the setup.
        QTest::ignoreMessage(
            QtWarningMsg, QRegularExpression(u"request failed: bad_request - the LLM server at "
                                             "127\\.0\\.0\\.1:\\d+ rejected the request \\(HTTP "
                                             "400\\): Unsupported parameter: 'foo'\\.; check the "
                                             "model name"_s));

        conversation->send(u"one"_s);
        conversation->send(u"two"_s);
        conversation->send(u"three"_s);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);
        QCOMPARE(log.outcomes.size(), 3);

        const TurnOutcome first = log.outcomes.at(0);
        QCOMPARE(first.finishReason, u"error"_s);
        QCOMPARE(first.errorCode, u"llm_error"_s);
        QCOMPARE(first.errorMessage, LlmFailures::setupProblemForUsers());
        const TurnOutcome second = log.outcomes.at(1);
        QCOMPARE(second.finishReason, u"error"_s);
        QVERIFY(!second.errorCode.isEmpty());
        QCOMPARE(log.outcomes.at(2).finishReason, u"stop"_s);

        const QList<Event> stored = h.storedEvents();
        QCOMPARE(ChatTestHarness::types(stored),
                 (QStringList{EventType::UserMessage, EventType::UserMessage,
                              EventType::UserMessage, EventType::Error, EventType::AssistantMessage,
                              EventType::Error, EventType::AssistantMessage}));
        QCOMPARE(stored.at(3).metadata.value(u"code"_s).toString(), u"llm_error"_s);
        QCOMPARE(stored.at(3).content, first.errorMessage);
        QCOMPARE(stored.at(3).metadata.value(u"retryable"_s).toBool(), first.retryable);
        // What the user saw before the stream broke is kept, flagged interrupted.
        QCOMPARE(stored.at(4).content, u"Partial"_s);
        QCOMPARE(stored.at(4).metadata.value(u"interrupted"_s), QJsonValue(true));
        QCOMPARE(stored.at(4).metadata.value(u"finish_reason"_s).toString(), u"error"_s);
        QCOMPARE(stored.at(5).metadata.value(u"code"_s).toString(), second.errorCode);
        // Errors are not memory.
        QCOMPARE(ChatTestHarness::messagesOf(h.mock.lastRequest()),
                 (QList<ChatMessage>{ChatMessage::user(u"one"_s), ChatMessage::user(u"two"_s),
                                     ChatMessage::assistant(u"Partial"_s),
                                     ChatMessage::user(u"three"_s)}));
    }

    void unconfiguredLlmAnswersUnavailable() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.llm->setSettings(LlmSettings{});
        auto conversation = h.conversation();
        SignalLog log(conversation.get());
        conversation->send(u"hello?"_s);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);
        QCOMPARE(log.outcomes.first().errorCode, u"llm_unavailable"_s);
        QCOMPARE(h.mock.requestCount(), 0);
    }

    void resumeFromStoredEvents() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.setResponder(
            [](const MockLlmRequest &request) { return MockLlmRules::answer(request); });
        auto first = h.conversation();
        SignalLog log(first.get());
        first->send(u"Hello, my name is Ada."_s);
        first->send(u"What is 10 + 2?"_s);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);
        QVERIFY(ChatTestHarness::types(log.events).contains(EventType::ToolCall));
        const QList<ChatMessage> before = first->history();
        first.reset();

        auto resumed = h.conversation();
        resumed->restore(h.storedEvents());
        QCOMPARE(resumed->history(), before);
        SignalLog resumedLog(resumed.get());
        resumed->send(u"What is my name?"_s);
        QTRY_COMPARE_WITH_TIMEOUT(resumedLog.idleCount, 1, kWait);
        QCOMPARE(resumedLog.text, u"Your name is Ada."_s);
        const QList<ChatMessage> sent = ChatTestHarness::messagesOf(h.mock.lastRequest());
        QCOMPARE(sent.mid(0, before.size()), before);
    }

    void longConversationFoldsIntoARollingSummary() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        int summaries = 0;
        int callIds = 0;
        h.mock.setResponder([&summaries, &callIds](const MockLlmRequest &request) {
            const QList<ChatMessage> messages = ChatTestHarness::messagesOf(request);
            if (ChatTestHarness::isSummaryRequest(request)) {
                ++summaries;
                return MockLlmReply::text(
                    u"Rolling summary %1: the user is Ada and asked many questions."_s.arg(
                        summaries));
            }
            const ChatMessage &last = messages.last();
            if (last.role == ChatMessage::Role::User && last.content.contains(u"compute"_s))
                return MockLlmReply::toolCalls({{u"call_%1"_s.arg(++callIds), u"calculator"_s,
                                                 u"{\"expression\":\"6*7\"}"_s}});
            return MockLlmReply::text(u"Answer: "_s + words(u"a"_s, 40));
        });
        ChatSettings settings;
        settings.systemPrompt = u"You are a helpful assistant."_s;
        settings.contextTokens = 3000; // the built-in tools' schemas take a third of it
        settings.maxQueuedMessages = 20;
        const ContextWindow window(settings.contextTokens);
        auto conversation = h.conversation(settings);
        SignalLog log(conversation.get());

        const int turns = 17; // the last but one computes with a tool
        conversation->send(u"My name is Ada. "_s + words(u"intro"_s, 30));
        for (int i = 1; i < turns; ++i)
            conversation->send(
                (i % 3 == 0 ? u"Please compute 6*7. "_s : u"Question %1: "_s.arg(i)) +
                words(u"q%1w"_s.arg(i), 40));
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, 60000);
        QCOMPARE(log.outcomes.size(), turns);
        for (const TurnOutcome &outcome : std::as_const(log.outcomes))
            QCOMPARE(outcome.finishReason, u"stop"_s);
        QVERIFY(summaries >= 2);

        const QJsonArray tools = h.tools.openAiTools();
        QString latestSummary;
        for (const MockLlmRequest &request : h.mock.requests()) {
            const QList<ChatMessage> sent = ChatTestHarness::messagesOf(request);
            const int tokens =
                ContextWindow::estimateTokens(sent) + (ChatTestHarness::isSummaryRequest(request)
                                                           ? 0
                                                           : ContextWindow::estimateTokens(tools));
            QVERIFY2(tokens <= window.promptBudget(), qPrintable(u"%1 tokens sent"_s.arg(tokens)));
            // Never a tool result without its call before it.
            QSet<QString> calls;
            for (const ChatMessage &message : sent) {
                for (const ToolCall &call : message.toolCalls)
                    calls.insert(call.id);
                if (message.role == ChatMessage::Role::Tool)
                    QVERIFY2(calls.contains(message.toolCallId), qPrintable(message.toolCallId));
            }
            // …and never a call without its result.
            for (const QString &id : std::as_const(calls))
                QVERIFY(std::any_of(sent.cbegin(), sent.cend(),
                                    [&id](const ChatMessage &m) { return m.toolCallId == id; }));
            if (!ChatTestHarness::isSummaryRequest(request) && sent.size() > 1 &&
                sent.at(1).role == ChatMessage::Role::System)
                latestSummary = sent.at(1).content;
        }
        QVERIFY(latestSummary.contains(u"Rolling summary %1"_s.arg(summaries)));

        // The last request: system prompt, the rolling summary, the newest turns verbatim.
        const QList<ChatMessage> last = ChatTestHarness::messagesOf(h.mock.lastRequest());
        QCOMPARE(last.first(), ChatMessage::system(settings.systemPrompt));
        QVERIFY(last.at(1).content.contains(u"the user is Ada"_s));
        QVERIFY(!last.at(2).content.startsWith(u"My name is Ada"_s));
        const QList<ChatMessage> history = conversation->history();
        QList<qsizetype> userIndexes;
        for (qsizetype i = 0; i < history.size(); ++i)
            if (history.at(i).role == ChatMessage::Role::User)
                userIndexes << i;
        const qsizetype previousTurnStart = userIndexes.at(userIndexes.size() - 2);
        const QList<ChatMessage> newest =
            history.mid(previousTurnStart, history.size() - 1 - previousTurnStart);
        QVERIFY(newest.size() >= 5); // user, call, result, answer, user
        QCOMPARE(last.mid(last.size() - newest.size()), newest);
        QCOMPARE(conversation->rollingSummary(), u"Rolling summary %1: the user is Ada and asked "
                                                 u"many questions."_s.arg(summaries));
        // Nothing is lost from the memory itself.
        QCOMPARE(history.first().content.left(15), u"My name is Ada."_s);
        QCOMPARE(
            std::count_if(history.cbegin(), history.cend(),
                          [](const ChatMessage &m) { return m.role == ChatMessage::Role::User; }),
            turns);
    }

    void foldFailureFailsTheTurn() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.setResponder([](const MockLlmRequest &request) {
            if (ChatTestHarness::isSummaryRequest(request))
                return MockLlmReply::httpError(429, u"Rate limit reached."_s,
                                               u"rate_limit_exceeded"_s, "1");
            return MockLlmReply::text(words(u"w"_s, 100));
        });
        ChatSettings settings;
        settings.contextTokens = 1200;
        auto conversation = h.conversation(settings);
        SignalLog log(conversation.get());
        for (int i = 0; i < 6; ++i)
            conversation->send(words(u"m%1x"_s.arg(i), 100));
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, 60000);
        const QStringList reasons = [&log] {
            QStringList list;
            for (const TurnOutcome &o : std::as_const(log.outcomes))
                list << o.finishReason;
            return list;
        }();
        QVERIFY(reasons.contains(u"error"_s));
        const auto failed =
            std::find_if(log.outcomes.cbegin(), log.outcomes.cend(),
                         [](const TurnOutcome &o) { return !o.errorCode.isEmpty(); });
        QCOMPARE(failed->errorCode, u"llm_rate_limited"_s);
        QVERIFY(failed->errorMessage.contains(u"context window"_s));
    }

    void regenerateAndEditReplaceTheLastTurn() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.setResponder(
            [](const MockLlmRequest &request) { return MockLlmRules::answer(request); });
        auto conversation = h.conversation();
        SignalLog log(conversation.get());
        const auto asked = [&h] {
            QList<ChatMessage> messages = ChatTestHarness::messagesOf(h.mock.lastRequest());
            messages.removeIf(
                [](const ChatMessage &m) { return m.role == ChatMessage::Role::System; });
            return messages;
        };
        QCOMPARE(conversation->canReplaceLastTurn(), Conversation::ReplaceResult::NothingToReplace);
        QCOMPARE(conversation->replaceLastTurn({}), Conversation::ReplaceResult::NothingToReplace);
        conversation->send(u"echo: one"_s);
        QCOMPARE(conversation->canReplaceLastTurn(), Conversation::ReplaceResult::Busy);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 1, kWait);
        conversation->send(u"echo: two"_s);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 2, kWait);

        QCOMPARE(conversation->replaceLastTurn({}), Conversation::ReplaceResult::Started);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 3, kWait);
        // The model is asked the same question without the reply it replaces.
        QCOMPARE(asked(), (QList<ChatMessage>{ChatMessage::user(u"echo: one"_s),
                                              ChatMessage::assistant(u"one"_s),
                                              ChatMessage::user(u"echo: two"_s)}));

        QCOMPARE(conversation->replaceLastTurn(u"echo: three"_s),
                 Conversation::ReplaceResult::Started);
        QTRY_COMPARE_WITH_TIMEOUT(log.idleCount, 4, kWait);
        const QList<ChatMessage> expected{
            ChatMessage::user(u"echo: one"_s), ChatMessage::assistant(u"one"_s),
            ChatMessage::user(u"echo: three"_s), ChatMessage::assistant(u"three"_s)};
        QCOMPARE(asked(), expected.mid(0, 3));
        QCOMPARE(conversation->history(), expected);

        // Everything stays stored; a session resumed from it remembers the same.
        const QList<Event> stored = h.storedEvents();
        QCOMPARE(ChatTestHarness::types(stored),
                 (QStringList{EventType::UserMessage, EventType::AssistantMessage,
                              EventType::UserMessage, EventType::AssistantMessage,
                              EventType::TurnWithdrawn, EventType::UserMessage,
                              EventType::AssistantMessage, EventType::TurnWithdrawn,
                              EventType::UserMessage, EventType::AssistantMessage}));
        QCOMPARE(stored.at(4).metadata.value(u"reason"_s).toString(), u"regenerate"_s);
        QCOMPARE(ChatEvents::turnId(stored.at(4)), ChatEvents::turnId(stored.at(2)));
        QCOMPARE(stored.at(7).metadata.value(u"reason"_s).toString(), u"edit"_s);
        QCOMPARE(ChatEvents::turnId(stored.at(7)), ChatEvents::turnId(stored.at(5)));
        auto resumed = h.conversation();
        resumed->restore(stored);
        QCOMPARE(resumed->history(), expected);
    }
};

QTEST_GUILESS_MAIN(TestConversation)
#include "tst_conversation.moc"
