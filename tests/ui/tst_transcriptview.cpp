#include "core/Ids.h"
#include "ui/TranscriptRenderer.h"
#include "ui/TranscriptView.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QScrollBar>
#include <QTest>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextTable>

using namespace Qt::StringLiterals;

class TestTranscriptView : public QObject {
    Q_OBJECT

    QUuid m_id = Ids::newSessionId();

    // The colour of the text at the first occurrence of `text`.
    // The format of the text at the first occurrence of `text`.
    static QTextCharFormat formatAt(const TranscriptView &view, const QString &text) {
        const QTextCursor found = view.document()->find(text);
        if (found.isNull())
            return {};
        QTextCursor at(view.document());
        at.setPosition(found.selectionStart() + 1);
        return at.charFormat();
    }

    static QColor colourAt(const TranscriptView &view, const QString &text) {
        return formatAt(view, text).foreground().color();
    }

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
        QVERIFY(text.contains(u"{\"expression\":\"10 + 2\"}"_s)); // compact, on one line
        QVERIFY(text.contains(u"It is 12."_s));                   // Markdown, not raw asterisks
        QVERIFY(!text.contains(u"**"_s));
        const qsizetype at = text.indexOf(u"It is 12."_s);
        QTextCursor cursor(view.document());
        cursor.setPosition(int(at) + 7);
        QCOMPARE(cursor.charFormat().fontWeight(), int(QFont::Bold));
    }

    void rolesHaveTheirColours() {
        TranscriptView view;
        view.setEvents({
            Event::make(m_id, EventType::UserMessage, u"Ship 2 kg"_s),
            Event::make(m_id, EventType::ToolCall, u"calculate_shipping"_s,
                        {{u"name"_s, u"calculate_shipping"_s}}),
            Event::make(m_id, EventType::AssistantMessage, u"Done."_s),
        });
        const TranscriptRenderer renderer(view.palette());
        const QColor user = renderer.colour(TranscriptRenderer::Role::User);
        const QColor assistant = renderer.colour(TranscriptRenderer::Role::Assistant);
        const QColor tool = renderer.colour(TranscriptRenderer::Role::Tool);
        QVERIFY(user != assistant && assistant != tool && tool != user);
        QCOMPARE(colourAt(view, u"User"_s), user);
        QCOMPARE(colourAt(view, u"Assistant"_s), assistant);
        QCOMPARE(colourAt(view, u"Tool call"_s), tool);
        // The streamed reply is the assistant's too.
        view.setStreamingText(u"More"_s);
        QTRY_VERIFY(view.toPlainText().contains(u"streaming"_s));
        const QTextCursor streaming =
            view.document()->find(u"Assistant"_s, view.document()->find(u"Done."_s));
        QVERIFY(!streaming.isNull());
        QTextCursor at(view.document());
        at.setPosition(streaming.selectionStart() + 1);
        QCOMPARE(at.charFormat().foreground().color(), assistant);
    }

    void failedToolResultIsMarked() {
        TranscriptView view;
        view.setEvents({
            Event::make(m_id, EventType::ToolResult, u"{\"error\":\"division by zero\"}"_s,
                        {{u"name"_s, u"calculator"_s}, {u"ok"_s, false}}),
            Event::make(m_id, EventType::ToolResult, u"12"_s,
                        {{u"name"_s, u"weather"_s}, {u"ok"_s, true}}),
        });
        const QString text = view.toPlainText();
        QVERIFY2(text.contains(u"Tool result calculator  failed "_s), qPrintable(text));
        QVERIFY(text.contains(u"division by zero"_s));
        QCOMPARE(text.count(u"failed"_s), 1); // the successful result is not marked
        const QColor failure =
            TranscriptRenderer(view.palette()).colour(TranscriptRenderer::Role::Failed);
        QCOMPARE(colourAt(view, u"Tool result"_s), failure);
        const QTextCharFormat label = formatAt(view, u" failed "_s);
        QCOMPARE(label.background().color(), failure); // a coloured label, not only bold text
        const QTextCursor ok = view.document()->find(u"weather"_s);
        QTextCursor at(view.document());
        at.setPosition(ok.selectionStart() + 1);
        QVERIFY(at.charFormat().foreground().color() != failure);
    }

    void toolResultsAreOneCompactLine() {
        QJsonObject big;
        for (int i = 0; i < 60; ++i)
            big.insert(u"field_%1"_s.arg(i, 2, 10, QChar(u'0')), u"value number %1"_s.arg(i));
        const QString json = QString::fromUtf8(QJsonDocument(big).toJson(QJsonDocument::Indented));
        TranscriptView view;
        view.setEvents({Event::make(m_id, EventType::ToolResult, json,
                                    {{u"name"_s, u"lookup"_s}, {u"ok"_s, true}})});
        QTextBlock block = view.document()->begin();
        while (block.isValid() && !block.text().contains(u"Tool result lookup"_s))
            block = block.next();
        QVERIFY(block.isValid());
        // Heading and result on one line, cut with an ellipsis; no block of pretty JSON.
        QVERIFY(block.text().contains(u"{\"field_00\":\"value number 0\""_s));
        QVERIFY(block.text().endsWith(u'…'));
        QVERIFY(block.text().size() < TranscriptRenderer::CompactChars + 40);
        QVERIFY(!block.next().isValid());
        QVERIFY(!view.toPlainText().contains(u"field_59"_s));
        // The whole result is in the tooltip of the compact text.
        const QString tip = formatAt(view, u"field_00"_s).toolTip();
        QVERIFY(tip.contains(u"field_59"_s));
        QVERIFY(tip.contains(u"&quot;field_00&quot;: &quot;value number 0&quot;"_s)); // indented
        QVERIFY(!view.horizontalScrollBar()->isVisible());
    }

    void markdownTablesRenderAsTables() {
        TranscriptView view;
        view.setEvents({Event::make(m_id, EventType::AssistantMessage,
                                    u"Here are the rates:\n"
                                    "| Zone | Price |\n|---|---:|\n| EU | 12 |\n| US | 20 |\n\n"
                                    "Anything else?"_s)});
        view.appendEvent(
            Event::make(m_id, EventType::AssistantMessage, u"| A | B |\n|---|---|\n| 1 | 2 |"_s));
        // In a code block it stays code.
        view.appendEvent(Event::make(m_id, EventType::AssistantMessage,
                                     u"```\ncode\n| x | y |\n|---|---|\n```"_s));
        QList<QTextTable *> tables;
        for (QTextFrame *frame : view.document()->rootFrame()->childFrames())
            if (auto *table = qobject_cast<QTextTable *>(frame))
                tables << table;
        QCOMPARE(int(tables.size()), 2);
        QCOMPARE(tables.at(0)->rows(), 3);
        QCOMPARE(tables.at(0)->columns(), 2);
        const auto cellText = [](QTextTable *table, int row, int column) {
            const QTextTableCell cell = table->cellAt(row, column);
            QTextCursor cursor = cell.firstCursorPosition();
            cursor.setPosition(cell.lastCursorPosition().position(), QTextCursor::KeepAnchor);
            return cursor.selectedText();
        };
        QCOMPARE(cellText(tables.at(0), 0, 0), u"Zone"_s);
        QCOMPARE(cellText(tables.at(0), 2, 1), u"20"_s);
        QCOMPARE(cellText(tables.at(1), 1, 1), u"2"_s);
        QVERIFY(tables.at(0)->format().border() > 0);
        QVERIFY(tables.at(0)->format().cellPadding() > 0);
        const QString text = view.toPlainText();
        QCOMPARE(text.count(u"| x | y |"_s), 1); // in the code block only
        QVERIFY(!text.contains(u"| EU"_s));
        QVERIFY(text.contains(u"Anything else?"_s));
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
