#include "ui/TranscriptView.h"

#include "ui/SessionExporter.h"

#include <QScrollBar>
#include <QTextCursor>

TranscriptView::TranscriptView(QWidget *parent)
    : QTextBrowser(parent) {
    setOpenExternalLinks(true);
    setPlaceholderText(tr("Select a session to see its transcript."));
    document()->setUndoRedoEnabled(false);
    m_frameTimer.setSingleShot(true);
    m_frameTimer.setInterval(16);
    connect(&m_frameTimer, &QTimer::timeout, this, &TranscriptView::renderTail);
}

void TranscriptView::clearTranscript() {
    m_frameTimer.stop();
    m_streaming.clear();
    document()->clear();
    m_tailStart = 0;
}

void TranscriptView::setEvents(const QList<Event> &events) {
    clearTranscript();
    QString markdown;
    for (const Event &event : events) {
        const QString entry = SessionExporter::eventMarkdown(event);
        if (!entry.isEmpty())
            markdown += entry + u'\n';
    }
    document()->setMarkdown(markdown);
    m_tailStart = document()->characterCount() - 1;
    verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

void TranscriptView::insertCommitted(const QString &markdown) {
    QScrollBar *bar = verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum() - 4;
    QTextCursor cursor(document());
    cursor.setPosition(m_tailStart);
    cursor.movePosition(QTextCursor::End, QTextCursor::KeepAnchor);
    cursor.removeSelectedText();
    if (!markdown.isEmpty()) {
        if (m_tailStart > 0)
            cursor.insertBlock();
        cursor.insertMarkdown(markdown);
    }
    m_tailStart = document()->characterCount() - 1;
    if (atBottom)
        bar->setValue(bar->maximum());
}

void TranscriptView::appendEvent(const Event &event) {
    if (event.type == EventType::AssistantMessage) {
        m_frameTimer.stop();
        m_streaming.clear();
    }
    insertCommitted(SessionExporter::eventMarkdown(event));
    if (!m_streaming.isEmpty())
        renderTail();
}

void TranscriptView::appendStreamingText(const QString &delta) {
    m_streaming += delta;
    if (!m_frameTimer.isActive())
        m_frameTimer.start();
}

void TranscriptView::setStreamingText(const QString &text) {
    m_streaming = text;
    if (!m_frameTimer.isActive())
        m_frameTimer.start();
}

void TranscriptView::renderTail() {
    m_frameTimer.stop();
    ++m_renders;
    QScrollBar *bar = verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum() - 4;
    QTextCursor cursor(document());
    cursor.setPosition(m_tailStart);
    cursor.movePosition(QTextCursor::End, QTextCursor::KeepAnchor);
    cursor.beginEditBlock();
    cursor.removeSelectedText();
    if (!m_streaming.isEmpty()) {
        if (m_tailStart > 0)
            cursor.insertBlock();
        cursor.insertMarkdown(SessionExporter::streamingReplyMarkdown(m_streaming));
    }
    cursor.endEditBlock();
    if (atBottom)
        bar->setValue(bar->maximum());
}
