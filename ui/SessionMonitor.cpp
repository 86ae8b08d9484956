#include "ui/SessionMonitor.h"

#include "chat/ConversationFeed.h"
#include "core/Timestamps.h"
#include "ui/SessionTableModel.h"

SessionMonitor::SessionMonitor(SessionTableModel *model, QObject *parent)
    : QObject(parent)
    , m_model(model) {}

void SessionMonitor::attach(const QUuid &sessionId, const QString &userId,
                            ConversationFeed *conversation) {
    detach(sessionId);
    m_live.insert(sessionId, Live{conversation, {}});
    m_model->sessionConnected(sessionId, userId, Timestamps::now());

    connect(conversation, &ConversationFeed::contentDelta, this,
            [this, sessionId](const QString &text) {
                const auto it = m_live.find(sessionId);
                if (it == m_live.end())
                    return;
                it->streaming += text;
                m_model->addTokens(sessionId, 1);
            });
    connect(conversation, &ConversationFeed::eventRecorded, this,
            [this, sessionId](const Event &event) {
                if (event.isMessage())
                    m_model->addMessages(sessionId, 1);
                if (event.type == EventType::UserMessage)
                    m_model->titleFromMessage(sessionId, event.content);
                if (event.type == EventType::AssistantMessage) {
                    const auto it = m_live.find(sessionId);
                    if (it != m_live.end())
                        it->streaming.clear();
                }
            });
    connect(conversation, &ConversationFeed::turnFinished, this,
            [this, sessionId](const TurnOutcome &outcome) {
                const auto it = m_live.find(sessionId);
                if (it == m_live.end())
                    return;
                it->streaming.clear();
                m_model->addTurn(sessionId, outcome.model, outcome.usage.promptTokens,
                                 outcome.usage.completionTokens, outcome.ttftMs);
                m_turnTimes.append(Timestamps::now());
                Q_EMIT turnCompleted(sessionId, outcome);
            });
    connect(conversation, &ConversationFeed::toolStarted, this,
            [this, sessionId] { m_model->addToolCall(sessionId); });
    connect(conversation, &QObject::destroyed, this, [this, sessionId] {
        if (m_live.contains(sessionId))
            detach(sessionId);
    });
    Q_EMIT attached(sessionId);
}

void SessionMonitor::detach(const QUuid &sessionId) {
    const auto it = m_live.find(sessionId);
    if (it == m_live.end())
        return;
    if (it->conversation)
        it->conversation->disconnect(this);
    m_live.erase(it);
    m_model->sessionDisconnected(sessionId, Timestamps::now());
    Q_EMIT detached(sessionId);
}

void SessionMonitor::detachAll() {
    const QList<QUuid> ids = m_live.keys();
    for (const QUuid &id : ids)
        detach(id);
}

ConversationFeed *SessionMonitor::conversation(const QUuid &sessionId) const {
    return m_live.value(sessionId).conversation;
}

QString SessionMonitor::streamingText(const QUuid &sessionId) const {
    return m_live.value(sessionId).streaming;
}

int SessionMonitor::turnsLastMinute() {
    const QDateTime cutoff = Timestamps::now().addSecs(-60);
    while (!m_turnTimes.isEmpty() && m_turnTimes.constFirst() < cutoff)
        m_turnTimes.removeFirst();
    return int(m_turnTimes.size());
}
