#pragma once

#include "core/Event.h"

#include <QColor>
#include <QPalette>
#include <QString>

class QTextCursor;
class QTextDocument;

// Writes transcript entries into a QTextDocument at a cursor: a heading in the colour of its
// role (user, assistant, tool, failure), then the message as Markdown, or for tool calls and
// results one compact line whose tooltip holds the whole JSON.
class TranscriptRenderer {
public:
    enum class Role { User, Assistant, Tool, Failed };
    static constexpr int CompactChars = 140;  // of a tool line's arguments or result
    static constexpr int ToolTipChars = 4000; // of the JSON shown in its tooltip

    explicit TranscriptRenderer(const QPalette &palette = {});

    QColor colour(Role role) const;

    // Inserts the event at the cursor, in a new block unless the cursor is at the document's
    // start; false (and nothing inserted) for events the transcript does not show.
    bool insertEvent(QTextCursor &cursor, const Event &event) const;
    void insertStreaming(QTextCursor &cursor, const QString &text) const;
    // Lines and padding for the tables from `from` on. Call it after the edit block that
    // inserted them: until that ends, the document does not list their frames.
    void styleTables(QTextDocument *document, int from) const;

    // JSON on one line (or the text with its line breaks as spaces), cut at `maxChars` with "…".
    static QString compactLine(const QString &text, int maxChars = CompactChars);

private:
    void insertHeading(QTextCursor &cursor, Role role, const QString &title,
                       const QString &detail) const;
    void insertMarkdown(QTextCursor &cursor, const QString &markdown) const;
    void insertToolLine(QTextCursor &cursor, const Event &event) const;
    void insertNote(QTextCursor &cursor, const QString &text, const QColor &colour) const;

    bool m_dark = false;
    QColor m_muted;
    QColor m_grid;
};
