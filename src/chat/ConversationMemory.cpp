#include "chat/ConversationMemory.h"

#include "chat/ChatEvents.h"

#include <algorithm>

void ConversationMemory::clear() {
    m_turns.clear();
    m_turnIndex.clear();
    m_folded = 0;
    m_summary.clear();
}

void ConversationMemory::restore(const QList<Event> &events) {
    clear();
    for (const Event &event : events)
        record(event);
}

ConversationMemory::Turn &ConversationMemory::turnFor(const Event &event) {
    const auto known = m_turnIndex.constFind(ChatEvents::turnId(event));
    if (known != m_turnIndex.cend())
        return m_turns[*known];
    // Events stored without a turn id (older databases) belong to the latest user message.
    if (m_turns.isEmpty())
        m_turns.append(Turn{});
    return m_turns.last();
}

void ConversationMemory::record(const Event &event) {
    if (event.type == EventType::UserMessage) {
        Turn turn;
        turn.id = ChatEvents::turnId(event);
        turn.user.append(ChatMessage::user(event.content));
        if (!turn.id.isEmpty())
            m_turnIndex.insert(turn.id, int(m_turns.size()));
        m_turns.append(turn);
    } else if (event.type == EventType::TurnWithdrawn) {
        withdraw(ChatEvents::turnId(event));
    } else if (event.type == EventType::AssistantMessage) {
        if (!event.content.isEmpty())
            turnFor(event).parts.append(Part{{}, {}, event.content});
    } else if (event.type == EventType::ToolCall) {
        const std::optional<ToolCall> call = ChatEvents::parseToolCall(event);
        if (!call)
            return;
        Turn &turn = turnFor(event);
        // The calls of one response are stored together, before any of their results.
        if (turn.parts.isEmpty() || turn.parts.last().calls.isEmpty() ||
            !turn.parts.last().results.isEmpty())
            turn.parts.append(Part{});
        turn.parts.last().calls.append(*call);
    } else if (event.type == EventType::ToolResult) {
        const std::optional<ChatEvents::ParsedToolResult> result =
            ChatEvents::parseToolResult(event);
        if (!result)
            return;
        Turn &turn = turnFor(event);
        for (Part &part : turn.parts) {
            for (const ToolCall &call : std::as_const(part.calls)) {
                if (call.id == result->callId) {
                    const bool duplicate = std::any_of(
                        part.results.cbegin(), part.results.cend(),
                        [&call](const ChatMessage &r) { return r.toolCallId == call.id; });
                    if (!duplicate)
                        part.results.append(
                            ChatMessage::toolResult(call.id, call.name, result->modelText));
                    return;
                }
            }
        }
    }
}

void ConversationMemory::withdraw(const QString &turnId) {
    const int index = indexOfTurn(turnId);
    if (index < 0)
        return;
    for (int i = index; i < turnCount(); ++i)
        m_turnIndex.remove(m_turns.at(i).id);
    m_turns.resize(index);
    m_folded = std::min(m_folded, turnCount());
}

QList<ChatMessage> ConversationMemory::messagesFromEvents(const QList<Event> &events) {
    ConversationMemory memory;
    memory.restore(events);
    return memory.messages();
}

QList<ChatMessage> ConversationMemory::messages() const {
    QList<ChatMessage> all;
    for (int i = 0; i < turnCount(); ++i)
        all += turnMessages(i);
    return all;
}

int ConversationMemory::turnCount() const {
    return int(m_turns.size());
}

int ConversationMemory::indexOfTurn(const QString &turnId) const {
    return m_turnIndex.value(turnId, -1);
}

QList<ChatMessage> ConversationMemory::turnMessages(int index) const {
    const Turn &turn = m_turns.at(index);
    QList<ChatMessage> messages = turn.user;
    for (const Part &part : turn.parts) {
        if (part.calls.isEmpty()) {
            messages.append(ChatMessage::assistant(part.reply));
            continue;
        }
        QList<ToolCall> answered;
        for (const ToolCall &call : part.calls) {
            const bool hasResult =
                std::any_of(part.results.cbegin(), part.results.cend(),
                            [&call](const ChatMessage &r) { return r.toolCallId == call.id; });
            if (hasResult)
                answered.append(call);
        }
        if (answered.isEmpty())
            continue;
        messages.append(ChatMessage::assistant({}, answered));
        messages += part.results;
    }
    return messages;
}

QString ConversationMemory::turnId(int index) const {
    return m_turns.at(index).id;
}

QString ConversationMemory::turnQuestion(int index) const {
    const Turn &turn = m_turns.at(index);
    return turn.user.isEmpty() ? QString() : turn.user.constFirst().content;
}

int ConversationMemory::foldedTurns() const {
    return m_folded;
}

QString ConversationMemory::summary() const {
    return m_summary;
}

void ConversationMemory::fold(int turns, const QString &summary) {
    m_folded = qBound(0, turns, turnCount());
    m_summary = summary;
}
