#include "chat/ConversationFeed.h"

#include "chat/Conversation.h"

#include <QThread>

ConversationFeed::ConversationFeed(const QUuid &sessionId, Conversation *conversation,
                                   QThread *home)
    : m_sessionId(sessionId) {
    const auto relay = [this, conversation](auto signal, auto feedSignal) {
        connect(conversation, signal, this, feedSignal, Qt::QueuedConnection);
    };
    relay(&Conversation::turnStarted, &ConversationFeed::turnStarted);
    relay(&Conversation::contentDelta, &ConversationFeed::contentDelta);
    relay(&Conversation::toolStarted, &ConversationFeed::toolStarted);
    relay(&Conversation::toolFinished, &ConversationFeed::toolFinished);
    relay(&Conversation::turnFinished, &ConversationFeed::turnFinished);
    relay(&Conversation::eventRecorded, &ConversationFeed::eventRecorded);
    moveToThread(home);
}

ConversationFeed::ConversationFeed(const QUuid &sessionId, QObject *parent)
    : QObject(parent)
    , m_sessionId(sessionId) {}
