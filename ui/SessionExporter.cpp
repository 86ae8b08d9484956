#include "ui/SessionExporter.h"

#include "chat/ChatEvents.h"
#include "core/Ids.h"
#include "core/RecordJson.h"
#include "core/Timestamps.h"
#include "ui/EventText.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace {

// A fenced code block whose fence is longer than any backtick run inside the text.
QString codeBlock(const QString &text, const QString &language) {
    int longest = 0;
    int run = 0;
    for (const QChar c : text) {
        run = c == u'`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    const QString fence(std::max(3, longest + 1), u'`');
    return fence + language + u'\n' + text + u'\n' + fence + u'\n';
}

QString heading(const QString &title, const Event &event) {
    const QString time = EventText::timeOf(event);
    if (time.isEmpty())
        return u"**"_s + title + u"**\n\n"_s;
    return u"**"_s + title + u"** · "_s + time + u"\n\n"_s;
}

} // namespace

QString SessionExporter::eventMarkdown(const Event &event) {
    if (event.type == EventType::UserMessage)
        return heading(u"User"_s, event) + event.content + u'\n';
    if (event.type == EventType::AssistantMessage) {
        if (event.content.isEmpty())
            return {};
        const bool interrupted = ChatEvents::isInterrupted(event);
        return heading(interrupted ? u"Assistant (interrupted)"_s : u"Assistant"_s, event) +
               event.content + u'\n';
    }
    if (event.type == EventType::ToolCall) {
        const QString name = ChatEvents::toolName(event);
        return heading(u"Tool call `"_s + (name.isEmpty() ? event.content : name) + u'`', event) +
               codeBlock(EventText::indentedJson(ChatEvents::toolArguments(event)), u"json"_s);
    }
    if (event.type == EventType::ToolResult) {
        const bool ok = ChatEvents::toolSucceeded(event);
        return heading(u"Tool result `"_s + ChatEvents::toolName(event) +
                           (ok ? u"`"_s : u"` (failed)"_s),
                       event) +
               codeBlock(EventText::indentedJson(event.content), u"json"_s);
    }
    if (event.type == EventType::Error) {
        const QString code = ChatEvents::errorCode(event);
        return heading(code.isEmpty() ? u"Error"_s : u"Error `"_s + code + u'`', event) +
               event.content + u'\n';
    }
    if (event.type == EventType::SessionEnd)
        return u"*Session ended "_s + EventText::timeOf(event) + u"*\n"_s;
    return {};
}

QString SessionExporter::toMarkdown(const Session &session, const QList<Event> &events) {
    QString out = u"# Session "_s + Ids::toText(session.id) + u"\n\n"_s;
    out += u"- User: "_s + session.userId + u'\n';
    out += u"- Started: "_s + Timestamps::toIso(session.startTime) + u'\n';
    out += u"- Ended: "_s +
           (session.endTime.isValid() ? Timestamps::toIso(session.endTime) : u"still active"_s) +
           u'\n';
    out += u"- Messages: "_s + QString::number(session.messageCount) + u"\n\n"_s;
    if (!session.summary.isEmpty())
        out += u"## Summary\n\n"_s + session.summary + u"\n\n"_s;
    out += u"## Transcript\n\n"_s;
    for (const Event &event : events) {
        const QString entry = eventMarkdown(event);
        if (!entry.isEmpty())
            out += entry + u'\n';
    }
    return out;
}

QByteArray SessionExporter::toJson(const Session &session, const QList<Event> &events) {
    QJsonArray eventArray;
    for (const Event &event : events)
        eventArray.append(RecordJson::event(event));
    const QJsonObject root{{u"session"_s, RecordJson::session(session)}, {u"events"_s, eventArray}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

QByteArray SessionExporter::exportSession(Format format, const Session &session,
                                          const QList<Event> &events) {
    return format == Format::Markdown ? toMarkdown(session, events).toUtf8()
                                      : toJson(session, events);
}

QString SessionExporter::suggestedFileName(const Session &session, Format format) {
    return u"session-"_s + Ids::toText(session.id) +
           (format == Format::Markdown ? u".md"_s : u".json"_s);
}
