#pragma once

#include "core/Event.h"
#include "core/Session.h"

#include <QByteArray>
#include <QList>
#include <QString>

// Turns a stored session and its events into a Markdown transcript or a JSON document. Pure: no
// I/O, no widgets; the transcript view renders its entries with the same functions.
class SessionExporter {
public:
    enum class Format { Markdown, Json };

    static QString toMarkdown(const Session &session, const QList<Event> &events);
    // {"session":{…}, "events":[…]} with the field names of the REST API (PROTOCOL.md).
    static QByteArray toJson(const Session &session, const QList<Event> &events);
    static QByteArray exportSession(Format format, const Session &session,
                                    const QList<Event> &events);

    // One transcript entry in Markdown; empty for events that are not part of the transcript
    // (session_start, summary, assistant messages without text).
    static QString eventMarkdown(const Event &event);

    static QString suggestedFileName(const Session &session, Format format);
};
