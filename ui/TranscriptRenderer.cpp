#include "ui/TranscriptRenderer.h"

#include "chat/ChatEvents.h"
#include "ui/EventText.h"
#include "ui/MarkdownTables.h"

#include <QFontDatabase>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextTable>

using namespace Qt::StringLiterals;

namespace {

QString toolTipOf(const QString &text) {
    QString shown = EventText::indentedJson(text);
    if (shown.size() > TranscriptRenderer::ToolTipChars)
        shown = shown.left(TranscriptRenderer::ToolTipChars) + u'…';
    return u"<pre style=\"white-space: pre-wrap\">"_s + shown.toHtmlEscaped() + u"</pre>"_s;
}

void startEntry(QTextCursor &cursor) {
    if (cursor.position() > 0)
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat());
    QTextBlockFormat block;
    block.setTopMargin(10);
    cursor.setBlockFormat(block);
}

} // namespace

TranscriptRenderer::TranscriptRenderer(const QPalette &palette)
    : m_dark(palette.color(QPalette::Base).lightness() < 128)
    , m_muted(palette.color(QPalette::PlaceholderText))
    , m_grid(palette.color(QPalette::Mid)) {}

QColor TranscriptRenderer::colour(Role role) const {
    switch (role) {
    case Role::User:
        return m_dark ? QColor(0x64, 0xb5, 0xf6) : QColor(0x15, 0x65, 0xc0);
    case Role::Assistant:
        return m_dark ? QColor(0x81, 0xc7, 0x84) : QColor(0x2e, 0x7d, 0x32);
    case Role::Tool:
        return m_dark ? QColor(0xce, 0x93, 0xd8) : QColor(0x7b, 0x1f, 0xa2);
    case Role::Failed:
        return m_dark ? QColor(0xef, 0x53, 0x50) : QColor(0xc6, 0x28, 0x28);
    }
    return {};
}

QString TranscriptRenderer::compactLine(const QString &text, int maxChars) {
    QString line = EventText::asJson(text, QJsonDocument::Compact).value_or(text.simplified());
    if (line.size() > maxChars)
        line = line.left(std::max(0, maxChars - 1)) + u'…';
    return line;
}

void TranscriptRenderer::insertHeading(QTextCursor &cursor, Role role, const QString &title,
                                       const QString &detail) const {
    startEntry(cursor);
    QTextCharFormat heading;
    heading.setFontWeight(QFont::Bold);
    heading.setForeground(colour(role));
    cursor.insertText(title, heading);
    if (!detail.isEmpty()) {
        QTextCharFormat muted;
        muted.setForeground(m_muted);
        cursor.insertText(u" · "_s + detail, muted);
    }
}

void TranscriptRenderer::insertMarkdown(QTextCursor &cursor, const QString &markdown) const {
    cursor.insertBlock(QTextBlockFormat(), QTextCharFormat());
    cursor.insertMarkdown(MarkdownTables::separate(markdown));
}

void TranscriptRenderer::styleTables(QTextDocument *document, int from) const {
    // Qt draws Markdown tables without padding, so that cells run into each other.
    for (QTextFrame *frame : document->rootFrame()->childFrames()) {
        auto *table = qobject_cast<QTextTable *>(frame);
        if (!table || table->firstPosition() < from)
            continue;
        QTextTableFormat format = table->format();
        format.setBorder(1);
        format.setBorderStyle(QTextFrameFormat::BorderStyle_Solid);
        format.setBorderBrush(m_grid);
        format.setBorderCollapse(true);
        format.setCellSpacing(0);
        format.setCellPadding(4);
        table->setFormat(format);
    }
}

void TranscriptRenderer::insertNote(QTextCursor &cursor, const QString &text,
                                    const QColor &colour) const {
    startEntry(cursor);
    QTextCharFormat note;
    note.setFontItalic(true);
    note.setForeground(colour);
    cursor.insertText(text, note);
}

void TranscriptRenderer::insertToolLine(QTextCursor &cursor, const Event &event) const {
    const bool result = event.type == EventType::ToolResult;
    const bool failed = result && !ChatEvents::toolSucceeded(event);
    QString name = ChatEvents::toolName(event);
    if (name.isEmpty() && !result)
        name = event.content;
    insertHeading(cursor, failed ? Role::Failed : Role::Tool,
                  result ? u"Tool result"_s : u"Tool call"_s, QString());
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    QTextCharFormat code;
    code.setFont(fixed);
    code.setFontWeight(QFont::Bold);
    code.setForeground(colour(failed ? Role::Failed : Role::Tool));
    cursor.insertText(u' ' + name, code);
    if (failed) {
        QTextCharFormat label;
        label.setFontWeight(QFont::Bold);
        label.setForeground(QColor(Qt::white));
        label.setBackground(colour(Role::Failed));
        cursor.insertText(u" "_s, QTextCharFormat());
        cursor.insertText(u" failed "_s, label);
    }
    const QString payload = result ? event.content : ChatEvents::toolArguments(event);
    QTextCharFormat compact;
    compact.setFont(fixed);
    compact.setForeground(failed ? colour(Role::Failed) : m_muted);
    compact.setToolTip(toolTipOf(payload));
    cursor.insertText(u"  "_s, QTextCharFormat());
    cursor.insertText(compactLine(payload), compact);
}

bool TranscriptRenderer::insertEvent(QTextCursor &cursor, const Event &event) const {
    if (event.type == EventType::UserMessage) {
        insertHeading(cursor, Role::User, u"User"_s, EventText::timeOf(event));
        insertMarkdown(cursor, event.content);
        return true;
    }
    if (event.type == EventType::AssistantMessage) {
        if (event.content.isEmpty())
            return false;
        insertHeading(cursor, Role::Assistant,
                      ChatEvents::isInterrupted(event) ? u"Assistant (interrupted)"_s
                                                       : u"Assistant"_s,
                      EventText::timeOf(event));
        insertMarkdown(cursor, event.content);
        return true;
    }
    if (event.type == EventType::ToolCall || event.type == EventType::ToolResult) {
        insertToolLine(cursor, event);
        return true;
    }
    if (event.type == EventType::Error) {
        const QString code = event.metadata.value(u"code"_s).toString();
        insertHeading(cursor, Role::Failed, code.isEmpty() ? u"Error"_s : u"Error "_s + code,
                      EventText::timeOf(event));
        insertMarkdown(cursor, event.content);
        return true;
    }
    if (event.type == EventType::SessionEnd) {
        insertNote(cursor, u"Session ended "_s + EventText::timeOf(event), m_muted);
        return true;
    }
    if (event.type == EventType::TurnWithdrawn) {
        const bool edit = event.metadata.value(u"reason"_s).toString() == u"edit";
        insertNote(
            cursor,
            u"The turn above was taken back (%1) "_s.arg(edit ? u"edited"_s : u"regenerated"_s) +
                EventText::timeOf(event) + u": the model no longer sees it"_s,
            m_muted);
        return true;
    }
    return false;
}

void TranscriptRenderer::insertStreaming(QTextCursor &cursor, const QString &text) const {
    insertHeading(cursor, Role::Assistant, u"Assistant"_s, u"streaming…"_s);
    insertMarkdown(cursor, text);
}
