#include "chat/ChatEvents.h"
#include "chat/ConversationMemory.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {

const QUuid kSession = QUuid::createUuid();

Event user(const QString &turn, const QString &text) {
    return ChatEvents::userMessage(kSession, turn, text);
}

Event reply(const QString &turn, const QString &text, bool interrupted = false) {
    TurnOutcome outcome;
    outcome.finishReason = interrupted ? u"cancelled"_s : u"stop"_s;
    return ChatEvents::assistantMessage(kSession, turn, text, outcome, interrupted);
}

Event call(const QString &turn, const QString &id, const QString &name = u"calculator"_s) {
    return ChatEvents::toolCall(kSession, turn, {id, name, u"{\"expression\":\"1+1\"}"_s});
}

Event result(const QString &turn, const QString &id, const QString &name = u"calculator"_s) {
    return ChatEvents::toolResult(kSession, turn, id, name, true, u"{\"result\":\"%1\"}"_s.arg(id));
}

ToolCall toolCall(const QString &id, const QString &name = u"calculator"_s) {
    return {id, name, u"{\"expression\":\"1+1\"}"_s};
}

ChatMessage toolMessage(const QString &id, const QString &name = u"calculator"_s) {
    return ChatMessage::toolResult(id, name, u"{\"result\":\"%1\"}"_s.arg(id));
}

} // namespace

class TestConversationMemory : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void plainTurns() {
        const QList<Event> events = {
            Event::make(kSession, EventType::SessionStart, {}),
            user(u"a"_s, u"My name is Ada."_s),
            reply(u"a"_s, u"Nice to meet you, Ada."_s),
            user(u"b"_s, u"What is my name?"_s),
            reply(u"b"_s, u"Your name is Ada."_s),
        };
        const QList<ChatMessage> expected = {
            ChatMessage::user(u"My name is Ada."_s),
            ChatMessage::assistant(u"Nice to meet you, Ada."_s),
            ChatMessage::user(u"What is my name?"_s),
            ChatMessage::assistant(u"Your name is Ada."_s),
        };
        QCOMPARE(ConversationMemory::messagesFromEvents(events), expected);
    }

    void toolCallsOfOneResponseStayTogetherWithTheirResults() {
        // Two concurrent calls; the second finished first.
        const QList<Event> events = {
            user(u"a"_s, u"Ship 5kg to US and to FR"_s),
            call(u"a"_s, u"c1"_s, u"calculate_shipping"_s),
            call(u"a"_s, u"c2"_s, u"calculate_shipping"_s),
            result(u"a"_s, u"c2"_s, u"calculate_shipping"_s),
            result(u"a"_s, u"c1"_s, u"calculate_shipping"_s),
            call(u"a"_s, u"c3"_s),
            result(u"a"_s, u"c3"_s),
            reply(u"a"_s, u"US costs 10, FR costs 12."_s),
        };
        const QList<ChatMessage> expected = {
            ChatMessage::user(u"Ship 5kg to US and to FR"_s),
            ChatMessage::assistant({}, {toolCall(u"c1"_s, u"calculate_shipping"_s),
                                        toolCall(u"c2"_s, u"calculate_shipping"_s)}),
            toolMessage(u"c2"_s, u"calculate_shipping"_s),
            toolMessage(u"c1"_s, u"calculate_shipping"_s),
            ChatMessage::assistant({}, {toolCall(u"c3"_s)}),
            toolMessage(u"c3"_s),
            ChatMessage::assistant(u"US costs 10, FR costs 12."_s),
        };
        QCOMPARE(ConversationMemory::messagesFromEvents(events), expected);
    }

    void queuedMessagesFollowTheTurnBeforeThem() {
        // b and c were sent (and stored) while turn a was still running.
        const QList<Event> events = {
            user(u"a"_s, u"first"_s), user(u"b"_s, u"second"_s), call(u"a"_s, u"c1"_s),
            user(u"c"_s, u"third"_s), result(u"a"_s, u"c1"_s),   reply(u"a"_s, u"one"_s),
            reply(u"b"_s, u"two"_s),  reply(u"c"_s, u"three"_s),
        };
        const QList<ChatMessage> expected = {
            ChatMessage::user(u"first"_s),  ChatMessage::assistant({}, {toolCall(u"c1"_s)}),
            toolMessage(u"c1"_s),           ChatMessage::assistant(u"one"_s),
            ChatMessage::user(u"second"_s), ChatMessage::assistant(u"two"_s),
            ChatMessage::user(u"third"_s),  ChatMessage::assistant(u"three"_s),
        };
        QCOMPARE(ConversationMemory::messagesFromEvents(events), expected);
    }

    void errorsAndUnpairedToolEventsAreLeftOut() {
        const QList<Event> events = {
            user(u"a"_s, u"hi"_s),
            call(u"a"_s, u"c1"_s),
            call(u"a"_s, u"c2"_s), // never answered (crash while running)
            result(u"a"_s, u"c1"_s),
            result(u"a"_s, u"c1"_s),    // duplicate
            result(u"a"_s, u"ghost"_s), // no such call
            call(u"a"_s, u"c3"_s),      // a later round whose call never got a result
            ChatEvents::error(kSession, u"a"_s, u"llm_error"_s, u"boom"_s, false),
            user(u"b"_s, u"again"_s),
            reply(u"b"_s, {}, true), // cancelled before any text
            user(u"c"_s, u"once more"_s),
            reply(u"c"_s, u"Par"_s, true), // cancelled mid-reply: kept
        };
        const QList<ChatMessage> expected = {
            ChatMessage::user(u"hi"_s),
            ChatMessage::assistant({}, {toolCall(u"c1"_s)}),
            toolMessage(u"c1"_s),
            ChatMessage::user(u"again"_s),
            ChatMessage::user(u"once more"_s),
            ChatMessage::assistant(u"Par"_s),
        };
        QCOMPARE(ConversationMemory::messagesFromEvents(events), expected);
    }

    void eventsWithoutTurnIdsFollowTheLatestUserMessage() {
        // As the seed service stored them: no turn ids.
        const QList<Event> events = {
            Event::make(kSession, EventType::AssistantMessage, u"Welcome"_s),
            Event::make(kSession, EventType::UserMessage, u"Ship 2kg to DE"_s),
            Event::make(kSession, EventType::ToolCall, u"{\"weight_kg\":2}"_s,
                        {{u"call_id"_s, u"x"_s}, {u"name"_s, u"calculate_shipping"_s}}),
            Event::make(kSession, EventType::ToolResult, u"{\"cost\":9}"_s,
                        {{u"call_id"_s, u"x"_s}, {u"name"_s, u"calculate_shipping"_s}}),
            Event::make(kSession, EventType::AssistantMessage, u"9 EUR"_s),
        };
        const QList<ChatMessage> expected = {
            ChatMessage::assistant(u"Welcome"_s),
            ChatMessage::user(u"Ship 2kg to DE"_s),
            ChatMessage::assistant({}, {{u"x"_s, u"calculate_shipping"_s, u"{\"weight_kg\":2}"_s}}),
            ChatMessage::toolResult(u"x"_s, u"calculate_shipping"_s, u"{\"cost\":9}"_s),
            ChatMessage::assistant(u"9 EUR"_s),
        };
        QCOMPARE(ConversationMemory::messagesFromEvents(events), expected);
    }

    void recordingOneByOneEqualsRestoring() {
        const QList<Event> events = {
            user(u"a"_s, u"first"_s),  call(u"a"_s, u"c1"_s),   call(u"a"_s, u"c2"_s),
            result(u"a"_s, u"c2"_s),   result(u"a"_s, u"c1"_s), reply(u"a"_s, u"one"_s),
            user(u"b"_s, u"second"_s), reply(u"b"_s, u"two"_s),
        };
        ConversationMemory live;
        for (const Event &event : events)
            live.record(event);
        ConversationMemory restored;
        restored.restore(events);
        QCOMPARE(live.messages(), restored.messages());
        QCOMPARE(restored.turnCount(), 2);
        QCOMPARE(restored.indexOfTurn(u"b"_s), 1);
        QCOMPARE(restored.indexOfTurn(u"zz"_s), -1);
        QCOMPARE(restored.turnMessages(1), (QList<ChatMessage>{ChatMessage::user(u"second"_s),
                                                               ChatMessage::assistant(u"two"_s)}));
    }

    void foldKeepsTheMessagesAndRecordsTheSummary() {
        ConversationMemory memory;
        memory.restore({user(u"a"_s, u"one"_s), reply(u"a"_s, u"1"_s), user(u"b"_s, u"two"_s)});
        QCOMPARE(memory.foldedTurns(), 0);
        QVERIFY(memory.summary().isEmpty());
        memory.fold(1, u"The user said one."_s);
        QCOMPARE(memory.foldedTurns(), 1);
        QCOMPARE(memory.summary(), u"The user said one."_s);
        QCOMPARE(memory.messages().size(), 3);
        memory.fold(7, u"All."_s);
        QCOMPARE(memory.foldedTurns(), 2);
        memory.clear();
        QCOMPARE(memory.turnCount(), 0);
        QCOMPARE(memory.foldedTurns(), 0);
    }

    void withdrawnTurnsAreForgotten() {
        const QList<Event> events = {
            user(u"a"_s, u"My name is Ada."_s),
            reply(u"a"_s, u"Nice to meet you, Ada."_s),
            user(u"b"_s, u"Waht is my name?"_s),
            call(u"b"_s, u"c1"_s),
            result(u"b"_s, u"c1"_s),
            reply(u"b"_s, u"No idea."_s),
            ChatEvents::turnWithdrawn(kSession, u"b"_s, u"edit"_s),
            user(u"c"_s, u"What is my name?"_s),
            reply(u"c"_s, u"Ada."_s),
        };
        ConversationMemory memory;
        memory.restore(events);
        QCOMPARE(memory.messages(), (QList<ChatMessage>{
                                        ChatMessage::user(u"My name is Ada."_s),
                                        ChatMessage::assistant(u"Nice to meet you, Ada."_s),
                                        ChatMessage::user(u"What is my name?"_s),
                                        ChatMessage::assistant(u"Ada."_s),
                                    }));
        QCOMPARE(memory.turnCount(), 2);
        QCOMPARE(memory.indexOfTurn(u"b"_s), -1);
        QCOMPARE(memory.indexOfTurn(u"c"_s), 1);
        QCOMPARE(memory.turnId(1), u"c"_s);
        QCOMPARE(memory.turnQuestion(1), u"What is my name?"_s);

        // An unknown turn changes nothing; the history for people leaves the withdrawn turn out.
        memory.record(ChatEvents::turnWithdrawn(kSession, u"zzz"_s, u"regenerate"_s));
        QCOMPARE(memory.turnCount(), 2);
        QStringList kept;
        for (const Event &event : ChatEvents::withoutWithdrawnTurns(events))
            kept << event.content;
        QCOMPARE(kept, (QStringList{u"My name is Ada."_s, u"Nice to meet you, Ada."_s,
                                    u"What is my name?"_s, u"Ada."_s}));
    }
};

QTEST_GUILESS_MAIN(TestConversationMemory)
#include "tst_conversationmemory.moc"
