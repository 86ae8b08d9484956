#include "chat/Conversation.h"

#include "chat/ChatEvents.h"
#include "chat/TurnRunner.h"
#include "core/FutureCallbacks.h"
#include "core/Logging.h"
#include "storage/Database.h"

#include <utility>

using namespace Qt::StringLiterals;

Conversation::Conversation(const QUuid &sessionId, LlmClient *llm, ToolRegistry *tools,
                           Database *database, const ChatSettings &settings, QObject *parent)
    : QObject(parent)
    , m_sessionId(sessionId)
    , m_llm(llm)
    , m_tools(tools)
    , m_database(database)
    , m_settings(settings) {}

Conversation::~Conversation() {
    // The partial reply is still stored, but nobody hears of a conversation going away.
    blockSignals(true);
    m_queue.clear();
    if (m_turn)
        m_turn->cancel();
}

void Conversation::restore(const QList<Event> &events) {
    m_memory.restore(events);
}

Conversation::SendResult Conversation::send(const QString &text) {
    if (isBusy() && m_queue.size() >= m_settings.maxQueuedMessages)
        return SendResult::Busy;
    const QString turnId = ChatEvents::newTurnId();
    const quint64 write = recordUserMessage(ChatEvents::userMessage(m_sessionId, turnId, text));
    const bool queued = isBusy();
    m_queue.append({turnId, text, write});
    if (queued)
        return SendResult::Queued;
    startNext();
    return SendResult::Started;
}

Conversation::ReplaceResult Conversation::canReplaceLastTurn() const {
    if (isBusy())
        return ReplaceResult::Busy;
    const int last = m_memory.turnCount() - 1;
    if (last < m_memory.foldedTurns() || m_memory.turnId(last).isEmpty() ||
        m_memory.turnQuestion(last).isEmpty())
        return ReplaceResult::NothingToReplace;
    return ReplaceResult::Started;
}

Conversation::ReplaceResult Conversation::replaceLastTurn(const QString &text) {
    if (const ReplaceResult can = canReplaceLastTurn(); can != ReplaceResult::Started)
        return can;
    const int last = m_memory.turnCount() - 1;
    const QString question = text.isEmpty() ? m_memory.turnQuestion(last) : text;
    record(ChatEvents::turnWithdrawn(m_sessionId, m_memory.turnId(last),
                                     text.isEmpty() ? u"regenerate"_s : u"edit"_s));
    send(question);
    return ReplaceResult::Started;
}

void Conversation::startNext() {
    if (m_turn)
        return;
    if (m_queue.isEmpty()) {
        Q_EMIT idle();
        return;
    }
    const Pending next = m_queue.takeFirst();
    m_turn = new TurnRunner(m_sessionId, next.turnId, m_llm, m_tools, &m_memory, m_settings, this);
    connect(m_turn, &TurnRunner::eventReady, this, &Conversation::record);
    connect(m_turn, &TurnRunner::contentDelta, this,
            [this](const QString &text) { deliver([this, text] { Q_EMIT contentDelta(text); }); });
    connect(m_turn, &TurnRunner::toolStarted, this,
            [this](const QString &callId, const QString &tool, const QJsonObject &arguments) {
                deliver([this, callId, tool, arguments] {
                    Q_EMIT toolStarted(callId, tool, arguments);
                });
            });
    connect(m_turn, &TurnRunner::toolFinished, this,
            [this](const QString &callId, const QString &tool, bool ok, const QJsonValue &result) {
                deliver([this, callId, tool, ok, result] {
                    Q_EMIT toolFinished(callId, tool, ok, result);
                });
            });
    connect(m_turn, &TurnRunner::finished, this, [this](const TurnOutcome &outcome) {
        deliver([this, outcome] { onTurnFinished(outcome); });
    });
    m_turnGate = next.write;
    Q_EMIT turnStarted(next.text);
    m_turn->start();
}

void Conversation::onTurnFinished(const TurnOutcome &outcome) {
    m_turn->deleteLater();
    m_turn = nullptr;
    Q_EMIT turnFinished(outcome);
    startNext();
}

void Conversation::cancel() {
    if (m_turn)
        m_turn->cancel();
}

void Conversation::cancelAll() {
    leaveUnanswered(u"The session ended before this message's turn."_s);
    if (m_turn)
        m_turn->cancel();
}

void Conversation::dropQueued() {
    if (!m_queue.isEmpty())
        qCInfo(lcChat).noquote() << "session" << m_sessionId.toString() << "dropped"
                                 << m_queue.size() << "queued messages: nobody is connected";
    leaveUnanswered(u"The client left before this message's turn."_s);
}

void Conversation::leaveUnanswered(const QString &why) {
    const QList<Pending> dropped = std::exchange(m_queue, {});
    for (const Pending &pending : dropped)
        record(ChatEvents::error(m_sessionId, pending.turnId, u"not_answered"_s,
                                 why + u" Send it again."_s, true));
}

bool Conversation::isBusy() const {
    return m_turn || !m_queue.isEmpty();
}

int Conversation::queuedCount() const {
    return int(m_queue.size());
}

QList<ChatMessage> Conversation::history() const {
    return m_memory.messages();
}

QString Conversation::rollingSummary() const {
    return m_memory.summary();
}

QUuid Conversation::sessionId() const {
    return m_sessionId;
}

void Conversation::record(const Event &event) {
    if (m_database)
        m_database->appendEvent(event);
    m_memory.record(event);
    Q_EMIT eventRecorded(event);
}

quint64 Conversation::recordUserMessage(const Event &event) {
    if (!m_database) {
        record(event);
        return 0; // nothing to wait for
    }
    const quint64 write = ++m_userMessages;
    whenFinished(
        this, m_database->appendEventCommitted(event), [this, write] { onCommitted(write); },
        [this, write](const QString &error) {
            // Holding the turn's output longer would not store the message either.
            qCWarning(lcChat).noquote() << "a user message of session" << m_sessionId.toString()
                                        << "was not stored:" << error;
            onCommitted(write);
        });
    m_memory.record(event);
    Q_EMIT eventRecorded(event);
    return write;
}

void Conversation::deliver(std::function<void()> output) {
    if (m_held.isEmpty() && m_committed >= m_turnGate) {
        output();
        return;
    }
    m_held.append({m_turnGate, std::move(output)});
}

void Conversation::onCommitted(quint64 write) {
    // Writes commit in queue order: this user message being committed, so are the ones before.
    m_committed = std::max(m_committed, write);
    while (!m_held.isEmpty() && m_held.constFirst().first <= m_committed) {
        const std::function<void()> output = m_held.takeFirst().second;
        output();
    }
}
