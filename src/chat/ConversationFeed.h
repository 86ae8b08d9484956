#pragma once

#include "chat/TurnOutcome.h"
#include "core/Event.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QString>
#include <QUuid>

class Conversation;
class QThread;

// What the console follows of a live conversation running on a network thread: the
// conversation's signals, delivered on `home` (the console's thread) in the order they were
// emitted. Made on the conversation's thread; deleted on `home` once the session closed (the
// events relayed before its close are delivered first).
//
// A conversation elsewhere (a remote server's, the console learns it from its admin event feed)
// has no Conversation here: its feed is made with the second constructor, and whoever reads the
// remote events emits the signals.
class ConversationFeed : public QObject {
    Q_OBJECT

public:
    ConversationFeed(const QUuid &sessionId, Conversation *conversation, QThread *home);
    ConversationFeed(const QUuid &sessionId, QObject *parent);

    QUuid sessionId() const { return m_sessionId; }

Q_SIGNALS:
    void turnStarted(const QString &userText);
    void contentDelta(const QString &text);
    void toolStarted(const QString &callId, const QString &tool, const QJsonObject &arguments);
    void toolFinished(const QString &callId, const QString &tool, bool ok,
                      const QJsonValue &result);
    void turnFinished(const TurnOutcome &outcome);
    void eventRecorded(const Event &event);

private:
    QUuid m_sessionId;
};
