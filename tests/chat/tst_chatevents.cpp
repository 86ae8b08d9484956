#include "chat/ChatEvents.h"

#include <QJsonArray>
#include <QTest>

using namespace Qt::StringLiterals;

class TestChatEvents : public QObject {
    Q_OBJECT

private:
    const QUuid m_session = QUuid::createUuid();

private Q_SLOTS:
    void userMessageCarriesTurnId() {
        const Event event = ChatEvents::userMessage(m_session, u"t1"_s, u"Hello"_s);
        QCOMPARE(event.type, EventType::UserMessage);
        QCOMPARE(event.sessionId, m_session);
        QCOMPARE(event.content, u"Hello"_s);
        QCOMPARE(ChatEvents::turnId(event), u"t1"_s);
        QVERIFY(event.createdAt.isValid());
    }

    void assistantMessageMetadataLayout() {
        TurnOutcome outcome;
        outcome.finishReason = u"stop"_s;
        outcome.model = u"gpt-4o-mini"_s;
        outcome.usage = {12, 7};
        outcome.ttftMs = 150;
        outcome.durationMs = 900;
        const Event event =
            ChatEvents::assistantMessage(m_session, u"t1"_s, u"Hi there"_s, outcome, false,
                                         {{u"call_1"_s, u"calculator"_s, u"{}"_s}});
        QCOMPARE(event.type, EventType::AssistantMessage);
        QCOMPARE(event.content, u"Hi there"_s);
        const QJsonObject &m = event.metadata;
        QCOMPARE(m.value(u"model"_s).toString(), u"gpt-4o-mini"_s);
        QCOMPARE(m.value(u"finish_reason"_s).toString(), u"stop"_s);
        QCOMPARE(m.value(u"usage"_s).toObject().value(u"prompt_tokens"_s).toInt(), 12);
        QCOMPARE(m.value(u"usage"_s).toObject().value(u"completion_tokens"_s).toInt(), 7);
        QCOMPARE(m.value(u"ttft_ms"_s).toInteger(), 150);
        QCOMPARE(m.value(u"duration_ms"_s).toInteger(), 900);
        QCOMPARE(m.value(u"interrupted"_s), QJsonValue(false));
        QCOMPARE(m.value(u"tool_calls"_s).toArray().at(0).toObject().value(u"call_id"_s),
                 u"call_1"_s);

        const std::optional<TurnOutcome> parsed = ChatEvents::parseAssistantOutcome(event);
        QVERIFY(parsed);
        QCOMPARE(parsed->finishReason, u"stop"_s);
        QCOMPARE(parsed->model, u"gpt-4o-mini"_s);
        QCOMPARE(parsed->usage.promptTokens, 12);
        QCOMPARE(parsed->usage.completionTokens, 7);
        QCOMPARE(parsed->ttftMs, 150);
        QCOMPARE(parsed->durationMs, 900);
        QVERIFY(!ChatEvents::isInterrupted(event));
    }

    void assistantMessageWithoutToolsHasNoToolCalls() {
        TurnOutcome outcome;
        outcome.finishReason = u"cancelled"_s;
        const Event event =
            ChatEvents::assistantMessage(m_session, u"t1"_s, u"Par"_s, outcome, true);
        QVERIFY(!event.metadata.contains(u"tool_calls"_s));
        QVERIFY(ChatEvents::isInterrupted(event));
        QCOMPARE(event.metadata.value(u"ttft_ms"_s).toInteger(), -1);
    }

    void toolCallRoundTrip() {
        const ToolCall call{u"call_9"_s, u"calculate_shipping"_s,
                            u"{\"weight_kg\":5,\"destination\":\"US\"}"_s};
        const Event event = ChatEvents::toolCall(m_session, u"t2"_s, call);
        QCOMPARE(event.type, EventType::ToolCall);
        QCOMPARE(event.metadata.value(u"call_id"_s).toString(), u"call_9"_s);
        QCOMPARE(event.metadata.value(u"name"_s).toString(), u"calculate_shipping"_s);
        QCOMPARE(event.metadata.value(u"arguments"_s).toObject().value(u"weight_kg"_s).toInt(), 5);
        QCOMPARE(ChatEvents::parseToolCall(event), std::optional<ToolCall>(call));
    }

    void toolCallWithInvalidArgumentsKeepsTheText() {
        const ToolCall call{u"c"_s, u"calculator"_s, u"{not json"_s};
        const Event event = ChatEvents::toolCall(m_session, {}, call);
        QCOMPARE(event.metadata.value(u"arguments"_s).toObject(), QJsonObject());
        QVERIFY(!event.metadata.contains(u"turn_id"_s));
        QCOMPARE(ChatEvents::parseToolCall(event)->arguments, u"{not json"_s);
    }

    void toolCallFromMetadataOnly() {
        Event event = Event::make(m_session, EventType::ToolCall, {},
                                  {{u"call_id"_s, u"c"_s},
                                   {u"name"_s, u"calculator"_s},
                                   {u"arguments"_s, QJsonObject{{u"expression"_s, u"1+1"_s}}}});
        QCOMPARE(ChatEvents::parseToolCall(event)->arguments, u"{\"expression\":\"1+1\"}"_s);
        event.metadata.remove(u"call_id"_s);
        QVERIFY(!ChatEvents::parseToolCall(event));
    }

    // The original service stored the tool name as a tool_call's content.
    void toolCallWithTheNameAsContentTakesTheArgumentsFromTheMetadata() {
        const Event event =
            Event::make(m_session, EventType::ToolCall, u"calculator"_s,
                        {{u"call_id"_s, u"c"_s},
                         {u"name"_s, u"calculator"_s},
                         {u"arguments"_s, QJsonObject{{u"expression"_s, u"2*3"_s}}}});
        QCOMPARE(ChatEvents::toolName(event), u"calculator"_s);
        QCOMPARE(ChatEvents::toolArguments(event), u"{\"expression\":\"2*3\"}"_s);
        QCOMPARE(ChatEvents::parseToolCall(event)->arguments, u"{\"expression\":\"2*3\"}"_s);
    }

    void toolResultWithoutOkCountsAsASuccess() {
        Event event = Event::make(m_session, EventType::ToolResult, u"6"_s,
                                  {{u"call_id"_s, u"c"_s}, {u"name"_s, u"calculator"_s}});
        QVERIFY(ChatEvents::toolSucceeded(event));
        QVERIFY(ChatEvents::parseToolResult(event)->ok);
        event.metadata.insert(u"ok"_s, false);
        QVERIFY(!ChatEvents::toolSucceeded(event));
    }

    void toolResultRoundTrip() {
        const Event event = ChatEvents::toolResult(m_session, u"t2"_s, u"call_9"_s, u"calculator"_s,
                                                   true, u"{\"result\":12}"_s);
        QCOMPARE(event.type, EventType::ToolResult);
        QCOMPARE(event.metadata.value(u"ok"_s), QJsonValue(true));
        const auto parsed = ChatEvents::parseToolResult(event);
        QVERIFY(parsed);
        QCOMPARE(parsed->callId, u"call_9"_s);
        QCOMPARE(parsed->toolName, u"calculator"_s);
        QVERIFY(parsed->ok);
        QCOMPARE(parsed->modelText, u"{\"result\":12}"_s);
        QVERIFY(!ChatEvents::parseToolResult(ChatEvents::userMessage(m_session, {}, u"x"_s)));
    }

    void errorEvent() {
        const Event event =
            ChatEvents::error(m_session, u"t3"_s, u"llm_rate_limited"_s, u"Slow down"_s, true);
        QCOMPARE(event.type, EventType::Error);
        QCOMPARE(event.content, u"Slow down"_s);
        QCOMPARE(event.metadata.value(u"code"_s).toString(), u"llm_rate_limited"_s);
        QCOMPARE(event.metadata.value(u"retryable"_s), QJsonValue(true));
        QCOMPARE(ChatEvents::turnId(event), u"t3"_s);
    }

    void unansweredTurnsAreTheUserMessagesWithNoReplyOrError() {
        const QList<Event> events{
            ChatEvents::userMessage(m_session, u"t1"_s, u"answered"_s),
            ChatEvents::userMessage(m_session, u"t2"_s, u"failed"_s),
            ChatEvents::userMessage(m_session, u"t3"_s, u"in flight"_s),
            ChatEvents::assistantMessage(m_session, u"t1"_s, u"yes"_s, {}, false),
            ChatEvents::error(m_session, u"t2"_s, u"llm_unavailable"_s, u"down"_s, true),
            ChatEvents::userMessage(m_session, {}, u"stored before turn ids"_s),
            ChatEvents::userMessage(m_session, u"t4"_s, u"queued behind it"_s),
        };
        QCOMPARE(ChatEvents::unansweredTurns(events), (QStringList{u"t3"_s, u"t4"_s}));
        QList<Event> marked = events;
        marked << ChatEvents::interruptedTurn(m_session, u"t3"_s)
               << ChatEvents::interruptedTurn(m_session, u"t4"_s);
        QVERIFY(ChatEvents::unansweredTurns(marked).isEmpty());
        QCOMPARE(ChatEvents::errorCode(marked.last()), u"interrupted"_s);
    }

    void turnIdsAreUnique() { QVERIFY(ChatEvents::newTurnId() != ChatEvents::newTurnId()); }
};

QTEST_GUILESS_MAIN(TestChatEvents)
#include "tst_chatevents.moc"
