#pragma once

#include "core/ChatMessage.h"
#include "core/Event.h"

#include <QHash>
#include <QList>
#include <QString>

// What the model remembers of a session, built from the session's events: the same events give
// the same memory whether they are fed one by one while the conversation runs or all at once
// when a session resumes. Messages are grouped in turns (a user message and everything that
// answered it); the oldest turns can be folded into a rolling summary.
//
// Rules: user_message, assistant_message, tool_call and tool_result events make messages; error
// and other events are skipped. The tool calls of one model response are one assistant message
// followed by their results; a call without a result (a crash mid-tool) is left out, and so is a
// result without its call, so a tool result never reaches the model without its call. Empty
// replies (a turn cancelled before any text) are left out. A turn_withdrawn event takes its turn
// (and any after it) out again.
class ConversationMemory {
public:
    void clear();
    void restore(const QList<Event> &events); // clear() then record() each
    void record(const Event &event);

    static QList<ChatMessage> messagesFromEvents(const QList<Event> &events);

    QList<ChatMessage> messages() const; // every turn, folded ones included
    int turnCount() const;
    int indexOfTurn(const QString &turnId) const; // -1 when unknown
    QList<ChatMessage> turnMessages(int index) const;
    QString turnId(int index) const;
    QString turnQuestion(int index) const; // the user's text; empty when none was stored

    int foldedTurns() const;
    QString summary() const;
    // The first `turns` turns are now represented by `summary`.
    void fold(int turns, const QString &summary);

private:
    struct Part {
        QList<ToolCall> calls;      // a model response that called tools…
        QList<ChatMessage> results; // …and the results, in the order they finished
        QString reply;              // or a reply (calls empty)
    };
    struct Turn {
        QString id;
        QList<ChatMessage> user; // none for events stored before any user message
        QList<Part> parts;
    };

    Turn &turnFor(const Event &event);
    void withdraw(const QString &turnId);

    QList<Turn> m_turns;
    QHash<QString, int> m_turnIndex;
    int m_folded = 0;
    QString m_summary;
};
