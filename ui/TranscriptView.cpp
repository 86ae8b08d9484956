#include "ui/TranscriptView.h"

#include "ui/TranscriptRenderer.h"

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
    const TranscriptRenderer renderer(palette());
    QTextCursor cursor(document());
    cursor.beginEditBlock();
    for (const Event &event : events)
        renderer.insertEvent(cursor, event);
    cursor.endEditBlock();
    renderer.styleTables(document(), 0);
    m_tailStart = document()->characterCount() - 1;
    verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

void TranscriptView::insertCommitted(const Event &event) {
    QScrollBar *bar = verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum() - 4;
    QTextCursor cursor(document());
    cursor.beginEditBlock();
    cursor.setPosition(m_tailStart);
    cursor.movePosition(QTextCursor::End, QTextCursor::KeepAnchor);
    cursor.removeSelectedText();
    const TranscriptRenderer renderer(palette());
    const int start = m_tailStart;
    renderer.insertEvent(cursor, event);
    cursor.endEditBlock();
    renderer.styleTables(document(), start);
    m_tailStart = document()->characterCount() - 1;
    if (atBottom)
        bar->setValue(bar->maximum());
}

void TranscriptView::appendEvent(const Event &event) {
    if (event.type == EventType::AssistantMessage) {
        m_frameTimer.stop();
        m_streaming.clear();
    }
    insertCommitted(event);
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
    const TranscriptRenderer renderer(palette());
    if (!m_streaming.isEmpty())
        renderer.insertStreaming(cursor, m_streaming);
    cursor.endEditBlock();
    renderer.styleTables(document(), m_tailStart);
    if (atBottom)
        bar->setValue(bar->maximum());
}
