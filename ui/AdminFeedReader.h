#pragma once

#include "chat/TurnOutcome.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QUuid>

class ConversationFeed;

// Reads the frames of a remote server's admin event feed (PROTOCOL.md, Admin API) into what the
// console follows of a local server: a ConversationFeed per live session, whose signals it emits
// as the session's turn_started, content, tool_start, tool_end, error, done and event frames
// come. The live sessions of `hello` are known quietly (greeted follows); later ones are
// announced. A feed is deleted once its session closed.
class AdminFeedReader : public QObject {
    Q_OBJECT

public:
    using QObject::QObject;

    void read(const QString &frameText);
    // Forgets every live session (the feed is gone): their feeds are deleted, nothing emitted.
    void clear();

    QList<QUuid> sessionIds() const { return m_live.keys(); }
    ConversationFeed *conversation(const QUuid &sessionId) const;
    QString userId(const QUuid &sessionId) const;

Q_SIGNALS:
    void greeted(); // the `hello` frame came: sessionIds() are the live sessions then
    void sessionOpened(const QUuid &sessionId, const QString &userId,
                       ConversationFeed *conversation);
    void sessionClosed(const QUuid &sessionId); // its feed is deleted later

private:
    struct Live {
        QString userId;
        ConversationFeed *feed = nullptr;
        TurnOutcome failure; // what the turn's `error` frame said, until its `done`
    };

    ConversationFeed *open(const QUuid &sessionId, const QString &userId);
    void readTurnFrame(const QString &type, const QJsonObject &frame, Live &live);

    QHash<QUuid, Live> m_live;
};
