#include "chat/TurnRunner.h"

#include "chat/ChatEvents.h"
#include "chat/ContextWindow.h"
#include "chat/ConversationMemory.h"
#include "chat/Summarizer.h"
#include "core/Logging.h"
#include "llm/LlmClient.h"
#include "llm/LlmFailures.h"
#include "tools/ToolRegistry.h"

#include <QFutureWatcher>

using namespace Qt::StringLiterals;

namespace {

// Room for the fold instruction and the summary so far, beyond the transcript itself.
constexpr int kFoldOverhead = 200;

} // namespace

TurnRunner::TurnRunner(const QUuid &sessionId, const QString &turnId, LlmClient *llm,
                       ToolRegistry *tools, ConversationMemory *memory,
                       const ChatSettings &settings, QObject *parent)
    : QObject(parent)
    , m_sessionId(sessionId)
    , m_turnId(turnId)
    , m_llm(llm)
    , m_tools(tools)
    , m_memory(memory)
    , m_settings(settings) {
    m_outcome.model = llm->settings().model;
}

QString TurnRunner::stepLimitMessage(int maxToolSteps) {
    return u"I stopped here: this answer needed more than %1 rounds of tool calls, the limit for "
           "one message. Ask me to continue, or split the request into smaller questions."_s.arg(
               maxToolSteps);
}

void TurnRunner::start() {
    m_clock.start();
    prepareRound();
}

QList<QList<ChatMessage>> TurnRunner::liveTurns() const {
    QList<QList<ChatMessage>> turns;
    const int last = m_memory->indexOfTurn(m_turnId);
    for (int i = m_memory->foldedTurns(); i <= last; ++i)
        turns.append(m_memory->turnMessages(i));
    return turns;
}

QJsonArray TurnRunner::offeredTools() const {
    return m_tools && m_settings.maxToolSteps > 0 ? m_tools->openAiTools() : QJsonArray();
}

void TurnRunner::prepareRound() {
    const ContextWindow window(m_settings.contextTokens);
    // The summary's allowance, or its real size if the model wrote more than asked.
    const int summary =
        qMax(window.summaryBudget(),
             ContextWindow::estimateTokens(ContextWindow::assemble({}, m_memory->summary(), {})));
    const int fixed = ContextWindow::estimateTokens(ChatMessage::system(m_settings.systemPrompt)) +
                      ContextWindow::estimateTokens(offeredTools()) + summary;
    const int fold = window.turnsToFold(fixed, liveTurns());
    if (fold > 0)
        foldChunk(fold);
    else
        streamRound();
}

void TurnRunner::foldChunk(int turnsLeft) {
    const ContextWindow window(m_settings.contextTokens);
    const int chunkBudget = window.promptBudget() - window.summaryBudget() - kFoldOverhead;
    QList<ChatMessage> transcript;
    int tokens = 0;
    int chunk = 0;
    while (chunk < turnsLeft) {
        const QList<ChatMessage> turn = m_memory->turnMessages(m_memory->foldedTurns() + chunk);
        const int size = ContextWindow::estimateTokens(turn);
        if (chunk > 0 && tokens + size > chunkBudget)
            break;
        transcript += turn;
        tokens += size;
        ++chunk;
    }
    qCDebug(lcChat) << "folding" << chunk << "of" << turnsLeft << "turns into the summary";
    m_foldingTurns = chunk;
    const ChatRequest request = Summarizer::foldRequest(
        m_memory->summary(), transcript, window.summaryBudget(), window.promptBudget());
    watch(m_llm->stream(request, this));
}

void TurnRunner::streamRound() {
    m_foldingTurns = 0;
    ChatRequest request;
    QList<ChatMessage> verbatim;
    for (const QList<ChatMessage> &turn : liveTurns())
        verbatim += turn;
    request.messages =
        ContextWindow::assemble(m_settings.systemPrompt, m_memory->summary(), verbatim);
    request.tools = offeredTools();
    if (m_settings.maxReplyTokens > 0)
        request.maxTokens = m_settings.maxReplyTokens;
    watch(m_llm->stream(request, this));
}

void TurnRunner::watch(LlmStream *stream) {
    m_stream = stream;
    connect(stream, &LlmStream::contentDelta, this, &TurnRunner::onDelta);
    connect(stream, &LlmStream::finished, this, &TurnRunner::onFinished);
    connect(stream, &LlmStream::failed, this, &TurnRunner::onFailed);
}

void TurnRunner::dropStream() {
    if (!m_stream)
        return;
    disconnect(m_stream, nullptr, this, nullptr);
    m_stream->deleteLater();
    m_stream = nullptr;
}

void TurnRunner::onDelta(const QString &text) {
    if (m_foldingTurns > 0 || text.isEmpty())
        return;
    if (m_outcome.ttftMs < 0)
        m_outcome.ttftMs = m_clock.elapsed();
    m_reply += text;
    Q_EMIT contentDelta(text);
}

void TurnRunner::onFinished(const LlmResult &result) {
    dropStream();
    if (m_foldingTurns > 0) {
        const QString summary = result.content.trimmed();
        if (summary.isEmpty()) {
            failTurn(u"llm_error"_s,
                     u"The model returned an empty summary of the earlier messages, which are "
                     "needed to fit the context window. Try again."_s,
                     true);
            return;
        }
        const int folded = m_foldingTurns;
        m_memory->fold(m_memory->foldedTurns() + folded, summary);
        prepareRound(); // folds the next chunk if one is still needed
        return;
    }
    m_outcome.usage.promptTokens += result.usage.promptTokens;
    m_outcome.usage.completionTokens += result.usage.completionTokens;
    if (!result.model.isEmpty())
        m_outcome.model = result.model;
    if (result.toolCalls.isEmpty()) {
        finishTurn(result.finishReason == u"length"_s ? u"length"_s : u"stop"_s, false);
        return;
    }
    if (m_toolSteps >= m_settings.maxToolSteps) {
        qCInfo(lcChat) << "turn" << m_turnId << "reached the limit of" << m_settings.maxToolSteps
                       << "tool steps";
        onDelta((m_reply.isEmpty() ? QString() : u"\n\n"_s) +
                stepLimitMessage(m_settings.maxToolSteps));
        finishTurn(u"length"_s, false);
        return;
    }
    ++m_toolSteps;
    runTools(result.toolCalls);
}

void TurnRunner::onFailed(const LlmError &failure, const LlmResult &) {
    dropStream();
    // The operator's details were logged by the stream (rtai.llm).
    const LlmError error = LlmFailures::forEndUser(failure);
    QString message = error.message;
    if (m_foldingTurns > 0 && error.message == failure.message)
        message = u"Could not summarize the earlier messages to fit the context window: "_s +
                  error.message;
    m_outcome.retryAfterMs = error.retryAfterMs;
    failTurn(error.protocolCode(), message, error.retryable);
}

void TurnRunner::runTools(const QList<ToolCall> &calls) {
    m_pendingCalls = calls;
    m_calls += calls;
    for (const ToolCall &call : calls)
        Q_EMIT eventReady(ChatEvents::toolCall(m_sessionId, m_turnId, call));
    for (const ToolCall &call : calls) {
        Q_EMIT toolStarted(call.id, call.name, ChatEvents::argumentsObject(call.arguments));
        auto *watcher = new QFutureWatcher<ToolResult>(this);
        connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, call] {
            watcher->deleteLater();
            onToolDone(call, watcher->result());
        });
        watcher->setFuture(m_tools ? m_tools->invoke(call)
                                   : QtFuture::makeReadyFuture(ToolResult::failure(
                                         u"No tools are available in this conversation."_s)));
    }
}

void TurnRunner::onToolDone(const ToolCall &call, const ToolResult &result) {
    if (m_done || !m_pendingCalls.contains(call))
        return;
    m_pendingCalls.removeOne(call);
    recordToolResult(call, result);
    if (m_pendingCalls.isEmpty())
        prepareRound();
}

void TurnRunner::recordToolResult(const ToolCall &call, const ToolResult &result) {
    Q_EMIT eventReady(ChatEvents::toolResult(m_sessionId, m_turnId, call.id, call.name, result.ok,
                                             result.toModelText()));
    Q_EMIT toolFinished(call.id, call.name, result.ok,
                        result.ok ? result.value : QJsonValue(result.error));
}

void TurnRunner::cancel() {
    if (m_done)
        return;
    if (m_stream) {
        // Disconnected first: the stream reports its cancellation synchronously.
        LlmStream *stream = m_stream;
        dropStream();
        stream->cancel();
    }
    // Every call keeps a result, so the memory never hands the model a call without one.
    const QList<ToolCall> pending = std::exchange(m_pendingCalls, {});
    for (const ToolCall &call : pending)
        recordToolResult(call,
                         ToolResult::failure(u"Cancelled by the user before the tool finished."_s));
    finishTurn(u"cancelled"_s, true);
}

void TurnRunner::finishTurn(const QString &finishReason, bool interrupted) {
    m_done = true;
    m_outcome.finishReason = finishReason;
    m_outcome.durationMs = m_clock.elapsed();
    Q_EMIT eventReady(ChatEvents::assistantMessage(m_sessionId, m_turnId, m_reply, m_outcome,
                                                   interrupted, m_calls));
    Q_EMIT finished(m_outcome);
}

void TurnRunner::failTurn(const QString &code, const QString &message, bool retryable) {
    m_done = true;
    m_outcome.finishReason = u"error"_s;
    m_outcome.durationMs = m_clock.elapsed();
    m_outcome.errorCode = code;
    m_outcome.errorMessage = message;
    m_outcome.retryable = retryable;
    qCWarning(lcChat) << "turn" << m_turnId << "failed:" << code << message;
    // What the user already saw of the reply is kept, like a cancelled one.
    if (!m_reply.isEmpty())
        Q_EMIT eventReady(
            ChatEvents::assistantMessage(m_sessionId, m_turnId, m_reply, m_outcome, true, m_calls));
    Q_EMIT eventReady(ChatEvents::error(m_sessionId, m_turnId, code, message, retryable));
    Q_EMIT finished(m_outcome);
}
