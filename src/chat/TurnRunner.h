#pragma once

#include "chat/ChatSettings.h"
#include "chat/TurnOutcome.h"
#include "core/ChatMessage.h"
#include "core/Event.h"
#include "llm/LlmStream.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUuid>

class ConversationMemory;
class LlmClient;
class ToolRegistry;
struct ToolResult;

// One turn of a Conversation: folds old turns when the context window overflows, streams the
// reply, runs the tools the model calls (the calls of one response concurrently) and goes back
// to the model with their results, up to maxToolSteps rounds of tools. Events are handed to the
// Conversation through eventReady (which stores them and feeds the memory) before the runner
// goes on, so the memory always holds what the next request needs.
class TurnRunner : public QObject {
    Q_OBJECT

public:
    TurnRunner(const QUuid &sessionId, const QString &turnId, LlmClient *llm, ToolRegistry *tools,
               ConversationMemory *memory, const ChatSettings &settings, QObject *parent = nullptr);

    void start();
    // Ends the turn at once as cancelled; the reply so far is stored, flagged interrupted.
    void cancel();

    static QString stepLimitMessage(int maxToolSteps);

Q_SIGNALS:
    void eventReady(const Event &event);
    void contentDelta(const QString &text);
    void toolStarted(const QString &callId, const QString &tool, const QJsonObject &arguments);
    void toolFinished(const QString &callId, const QString &tool, bool ok,
                      const QJsonValue &result);
    void finished(const TurnOutcome &outcome); // exactly once

private:
    void prepareRound();
    void foldChunk(int turnsLeft);
    void streamRound();
    void watch(LlmStream *stream);
    void onDelta(const QString &text);
    void onFinished(const LlmResult &result);
    void onFailed(const LlmError &error, const LlmResult &partial);
    void runTools(const QList<ToolCall> &calls);
    void onToolDone(const ToolCall &call, const ToolResult &result);
    void recordToolResult(const ToolCall &call, const ToolResult &result);
    void finishTurn(const QString &finishReason, bool interrupted);
    void failTurn(const QString &code, const QString &message, bool retryable);
    void dropStream();
    QList<QList<ChatMessage>> liveTurns() const;
    QJsonArray offeredTools() const; // none when maxToolSteps is 0 or there is no registry // the
                                     // turns not folded, through this one

    QUuid m_sessionId;
    QString m_turnId;
    LlmClient *m_llm;
    ToolRegistry *m_tools;
    ConversationMemory *m_memory;
    ChatSettings m_settings;

    QPointer<LlmStream> m_stream;
    int m_foldingTurns = 0;         // turns the running stream summarizes; 0: it is a reply round
    QString m_reply;                // every delta the user saw in this turn
    QList<ToolCall> m_calls;        // every call run in this turn
    QList<ToolCall> m_pendingCalls; // calls of the current round still running
    int m_toolSteps = 0;
    bool m_done = false;
    TurnOutcome m_outcome;
    QElapsedTimer m_clock;
};
