#include "ChatTestHarness.h"
#include "chat/ChatEvents.h"
#include "chat/ContextWindow.h"
#include "chat/Summarizer.h"
#include "chat/SummaryError.h"
#include "fixtures/MockLlmRules.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {

QList<Event> sampleEvents(const QUuid &session) {
    TurnOutcome outcome;
    outcome.finishReason = u"stop"_s;
    return {
        Event::make(session, EventType::SessionStart, {}),
        ChatEvents::userMessage(session, u"a"_s, u"Hello, my name is Ada."_s),
        ChatEvents::assistantMessage(session, u"a"_s, u"Nice to meet you, Ada."_s, outcome, false),
        ChatEvents::userMessage(session, u"b"_s, u"How much to ship 5kg to the US?"_s),
        ChatEvents::toolCall(
            session, u"b"_s,
            {u"c1"_s, u"calculate_shipping"_s, u"{\"weight_kg\":5,\"destination\":\"US\"}"_s}),
        ChatEvents::toolResult(session, u"b"_s, u"c1"_s, u"calculate_shipping"_s, true,
                               u"{\"cost\":42.5,\"currency\":\"USD\"}"_s),
        ChatEvents::assistantMessage(session, u"b"_s, u"It costs 42.50 USD."_s, outcome, false),
        ChatEvents::error(session, u"c"_s, u"llm_error"_s, u"boom"_s, false),
    };
}

} // namespace

class TestSummarizer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void summarizesTheTranscript() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.setResponder(
            [](const MockLlmRequest &request) { return MockLlmRules::answer(request); });
        Summarizer summarizer(h.llm.get());
        const QFuture<QString> summary = summarizer.summarize(sampleEvents(h.sessionId));
        QVERIFY(ChatTestHarness::await(summary));
        QVERIFY(summary.result().contains(u"Ada"_s));
        QCOMPARE(summary.result(), summary.result().trimmed());

        QCOMPARE(h.mock.requestCount(), 1);
        const QList<ChatMessage> sent = ChatTestHarness::messagesOf(h.mock.lastRequest());
        QCOMPARE(sent.size(), 2);
        QCOMPARE(sent.at(0).role, ChatMessage::Role::System);
        QVERIFY(sent.at(0).content.startsWith(u"Summarize"_s));
        const QString transcript = sent.at(1).content;
        QVERIFY(transcript.contains(u"User: Hello, my name is Ada."_s));
        QVERIFY(transcript.contains(u"Assistant: It costs 42.50 USD."_s));
        QVERIFY(transcript.contains(u"Tool calculate_shipping returned: {\"cost\":42.5"_s));
        QVERIFY(transcript.contains(u"Assistant called calculate_shipping with"_s));
        QVERIFY(!transcript.contains(u"boom"_s));
        QVERIFY(!h.mock.lastRequest().json.contains(u"tools"_s));
    }

    void noMessagesMeansNoRequest() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        Summarizer summarizer(h.llm.get());
        const QFuture<QString> summary = summarizer.summarize(
            {Event::make(h.sessionId, EventType::SessionStart, {}),
             ChatEvents::error(h.sessionId, {}, u"llm_error"_s, u"x"_s, false)});
        QVERIFY(summary.isFinished());
        QCOMPARE(summary.result(), QString());
        QVERIFY(ChatTestHarness::await(summarizer.summarize({})));
        QTest::qWait(50);
        QCOMPARE(h.mock.requestCount(), 0);
    }

    void llmFailureFailsTheFuture() {
        ChatTestHarness h;
        QVERIFY(h.isReady());
        h.mock.enqueue(
            MockLlmReply::httpError(401, u"Incorrect API key provided."_s, u"invalid_api_key"_s));
        h.mock.enqueue(MockLlmReply::text(u"   "_s));
        Summarizer summarizer(h.llm.get());
        for (int attempt = 0; attempt < 2; ++attempt) {
            QFuture<QString> summary = summarizer.summarize(sampleEvents(h.sessionId));
            QVERIFY(ChatTestHarness::await(summary));
            bool failed = false;
            try {
                summary.waitForFinished();
                summary.result();
            } catch (const SummaryError &error) {
                failed = true;
                QVERIFY(!error.message().isEmpty());
            }
            QVERIFY2(failed, "an LLM error or an empty answer fails the summary");
        }
    }

    void foldRequestFitsItsBudget() {
        QList<ChatMessage> messages;
        for (int i = 0; i < 60; ++i) {
            messages << ChatMessage::user(u"question %1 "_s.arg(i).repeated(30));
            messages << ChatMessage::assistant(u"answer %1 "_s.arg(i).repeated(30));
        }
        const ChatRequest request =
            Summarizer::foldRequest(u"The user is Ada."_s, messages, 150, 900);
        QVERIFY(ContextWindow::estimateTokens(request.messages) <= 900);
        QCOMPARE(request.maxTokens, std::optional<int>(150));
        QVERIFY(request.messages.first().content.startsWith(u"Summarize"_s));
        QVERIFY(request.messages.last().content.contains(u"The user is Ada."_s));
        QVERIFY(request.messages.last().content.contains(u"question 59"_s));
        QVERIFY(request.tools.isEmpty());
    }

    void transcriptCutsLongMessages() {
        const QString longText = u"word "_s.repeated(1000);
        const QString transcript = Summarizer::transcript(
            {ChatMessage::user(longText), ChatMessage::assistant(u"ok"_s)}, 200);
        QVERIFY(ContextWindow::estimateTokens(transcript) <= 220);
        QVERIFY(transcript.contains(u"[…]"_s));
        QVERIFY(transcript.endsWith(u"Assistant: ok"_s));
    }
};

QTEST_GUILESS_MAIN(TestSummarizer)
#include "tst_summarizer.moc"
