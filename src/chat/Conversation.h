#pragma once

#include "chat/ChatSettings.h"
#include "chat/ConversationMemory.h"
#include "chat/TurnOutcome.h"
#include "core/ChatMessage.h"
#include "core/Event.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUuid>
#include <functional>
#include <utility>

class Database;
class LlmClient;
class ToolRegistry;
class TurnRunner;

// One per session: its memory, its queue of user messages and the turn that answers them.
// Every event it produces is stored in the database and emitted as eventRecorded, in order.
// `tools` and `database` may be null (no tools offered; nothing stored). Destroying it during a
// turn stores the partial reply like cancel(), without emitting anything.
//
// Durable before acknowledged: what a turn emits (contentDelta, toolStarted, toolFinished,
// turnFinished) is held, in order, until the turn's user_message is committed to the database
// (Database::appendEventCommitted). The LLM request starts at once; only its output waits, so the
// user's message is stored before the first byte of its reply reaches a client.
class Conversation : public QObject {
    Q_OBJECT

public:
    Conversation(const QUuid &sessionId, LlmClient *llm, ToolRegistry *tools, Database *database,
                 const ChatSettings &settings, QObject *parent = nullptr);
    ~Conversation() override;

    // Rebuilds the memory from the session's stored events (resume). Call before the first send().
    void restore(const QList<Event> &events);

    enum class SendResult { Started, Queued, Busy };
    // Stores the user_message and answers it now or after the queued ones; Busy (nothing stored)
    // when maxQueuedMessages are already waiting.
    SendResult send(const QString &text);
    // Stops the running turn: its partial reply is stored as an interrupted assistant_message.
    // The next queued message then starts.
    void cancel();
    // Stops the running turn and drops the queue; the queued messages stay stored (and in memory)
    // as user messages, each followed by an error `not_answered` (ChatEvents::unansweredTurns
    // then finds only the turns of a process that stopped).
    void cancelAll();
    // Drops the queue, the same way, and lets the running turn finish.
    void dropQueued();
    bool isBusy() const;
    int queuedCount() const;

    enum class ReplaceResult { Started, Busy, NothingToReplace };
    // Takes the last turn back (stored as turn_withdrawn: the model no longer sees its question
    // and reply) and asks `text` in its place, or its own question again when `text` is empty
    // (regenerate). Busy while a turn runs or messages wait; NothingToReplace when there is no
    // turn, or the last one was folded into the rolling summary or stored without a turn id.
    ReplaceResult replaceLastTurn(const QString &text);
    // What replaceLastTurn() would answer now, without doing it (Started: it can).
    ReplaceResult canReplaceLastTurn() const;

    // Every message of the session in order (user, assistant, tool calls and results), including
    // queued user messages; the system prompt and the rolling summary are not part of it.
    QList<ChatMessage> history() const;
    // Older turns folded to fit the context window; empty until the first fold.
    QString rollingSummary() const;
    QUuid sessionId() const;

Q_SIGNALS:
    void turnStarted(const QString &userText);
    void contentDelta(const QString &text);
    void toolStarted(const QString &callId, const QString &tool, const QJsonObject &arguments);
    void toolFinished(const QString &callId, const QString &tool, bool ok,
                      const QJsonValue &result);
    void turnFinished(const TurnOutcome &outcome);
    void eventRecorded(const Event &event);
    void idle();

private:
    struct Pending {
        QString turnId;
        QString text;
        quint64 write = 0; // the number of its user_message write
    };
    void leaveUnanswered(const QString &why); // empties the queue, each message marked

    void startNext();
    void record(const Event &event);
    // record() for a user message, tracking its commit; returns its number (0: no database).
    quint64 recordUserMessage(const Event &event);
    void onTurnFinished(const TurnOutcome &outcome);
    // Runs `output` once the running turn's user message is committed, after the output held
    // before it (at once when nothing waits).
    void deliver(std::function<void()> output);
    void onCommitted(quint64 write);

    QUuid m_sessionId;
    LlmClient *m_llm;
    ToolRegistry *m_tools;
    QPointer<Database> m_database;
    ChatSettings m_settings;
    ConversationMemory m_memory;
    QList<Pending> m_queue;
    TurnRunner *m_turn = nullptr;
    quint64 m_userMessages = 0; // user messages written, numbered in queue order
    quint64 m_committed = 0;    // the last of them known to be committed
    quint64 m_turnGate = 0;     // the running turn's user message
    QList<std::pair<quint64, std::function<void()>>> m_held; // output waiting for a commit
};
