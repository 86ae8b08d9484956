#include "core/Ids.h"
#include "ui/TranscriptView.h"

#include <QTest>
#include <QTextBlock>
#include <QTextCursor>

using namespace Qt::StringLiterals;

class TestTranscriptView : public QObject {
    Q_OBJECT

    QUuid m_id = Ids::newSessionId();

private Q_SLOTS:
    void rendersStoredEventsAsMarkdown() {
        TranscriptView view;
        view.setEvents({
            Event::make(m_id, EventType::UserMessage, u"What is 10 + 2?"_s),
            Event::make(m_id, EventType::ToolCall, u"calculator"_s,
                        {{u"name"_s, u"calculator"_s},
                         {u"arguments"_s, QJsonObject{{u"expression"_s, u"10 + 2"_s}}}}),
            Event::make(m_id, EventType::ToolResult, u"12"_s,
                        {{u"name"_s, u"calculator"_s}, {u"ok"_s, true}}),
            Event::make(m_id, EventType::AssistantMessage, u"It is **12**."_s),
        });
        const QString text = view.toPlainText();
        QVERIFY(text.contains(u"What is 10 + 2?"_s));
        QVERIFY(text.contains(u"Tool call calculator"_s));
        QVERIFY(text.contains(u"\"expression\": \"10 + 2\""_s));
        QVERIFY(text.contains(u"It is 12."_s)); // Markdown, not raw asterisks
        QVERIFY(!text.contains(u"**"_s));
        const qsizetype at = text.indexOf(u"It is 12."_s);
        QTextCursor cursor(view.document());
        cursor.setPosition(int(at) + 7);
        QCOMPARE(cursor.charFormat().fontWeight(), int(QFont::Bold));
    }

    void streamedTokensAreCoalescedPerFrame() {
        TranscriptView view;
        view.setEvents({Event::make(m_id, EventType::UserMessage, u"Hello"_s)});
        const int before = view.renderCount();
        for (int i = 0; i < 200; ++i)
            view.appendStreamingText(u"tok%1 "_s.arg(i));
        QCOMPARE(view.renderCount(), before); // no repaint per token
        QVERIFY(view.hasPendingRender());
        QTRY_COMPARE(view.renderCount(), before + 1);
        QVERIFY(view.toPlainText().contains(u"tok0 tok1 tok2"_s));
        QVERIFY(view.toPlainText().contains(u"tok199"_s));
        QVERIFY(view.toPlainText().contains(u"streaming"_s));

        view.appendStreamingText(u"more"_s);
        QTRY_COMPARE(view.renderCount(), before + 2);
        QCOMPARE(view.toPlainText().count(u"tok199"_s), 1); // the tail is replaced, not appended
    }

    void storedReplyReplacesTheStreamedTail() {
        TranscriptView view;
        view.setEvents({Event::make(m_id, EventType::UserMessage, u"Hi"_s)});
        view.appendStreamingText(u"Hello *there*"_s);
        QTRY_VERIFY(view.toPlainText().contains(u"Hello there"_s));
        view.appendEvent(Event::make(m_id, EventType::AssistantMessage, u"Hello *there*"_s));
        QCOMPARE(view.toPlainText().count(u"Hello there"_s), 1);
        QVERIFY(!view.toPlainText().contains(u"streaming"_s));
        QVERIFY(view.streamingText().isEmpty());
        QVERIFY(!view.hasPendingRender());
        view.appendEvent(Event::make(m_id, EventType::UserMessage, u"Bye"_s));
        const QString text = view.toPlainText();
        QVERIFY(text.indexOf(u"Hi"_s) < text.indexOf(u"Hello there"_s));
        QVERIFY(text.indexOf(u"Hello there"_s) < text.indexOf(u"Bye"_s));
    }

    void toolEventsDuringStreamStayAboveTheTail() {
        TranscriptView view;
        view.appendEvent(Event::make(m_id, EventType::UserMessage, u"Ship it"_s));
        view.setStreamingText(u"Let me check."_s);
        QTRY_VERIFY(view.toPlainText().contains(u"Let me check."_s));
        view.appendEvent(Event::make(m_id, EventType::ToolCall, u"calculate_shipping"_s,
                                     {{u"name"_s, u"calculate_shipping"_s}}));
        const QString text = view.toPlainText();
        QVERIFY(text.indexOf(u"Tool call calculate_shipping"_s) < text.indexOf(u"Let me check."_s));
        QCOMPARE(text.count(u"Let me check."_s), 1);
    }
};

QTEST_MAIN(TestTranscriptView)
#include "tst_transcriptview.moc"
