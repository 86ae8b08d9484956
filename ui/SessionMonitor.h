#pragma once

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUuid>

class ConversationFeed;
struct TurnOutcome;
class SessionTableModel;

// Follows every live conversation (its ConversationFeed) and keeps the session table current from
// its signals: new and closed sessions, messages, streamed tokens, finished turns and tool calls.
// Also remembers the reply each session is streaming, so a session opened in the detail view
// mid-turn shows what was already said, and counts finished turns for the turns-per-minute figure.
class SessionMonitor : public QObject {
    Q_OBJECT
public:
    explicit SessionMonitor(SessionTableModel *model, QObject *parent = nullptr);

    void attach(const QUuid &sessionId, const QString &userId, ConversationFeed *conversation);
    void detach(const QUuid &sessionId);
    void detachAll();

    ConversationFeed *conversation(const QUuid &sessionId) const;
    QString streamingText(const QUuid &sessionId) const;
    int liveCount() const { return int(m_live.size()); }
    // Turns that finished during the last minute.
    int turnsLastMinute();

Q_SIGNALS:
    void attached(const QUuid &sessionId);
    void detached(const QUuid &sessionId);
    void turnCompleted(const QUuid &sessionId, const TurnOutcome &outcome);

private:
    struct Live {
        QPointer<ConversationFeed> conversation;
        QString streaming;
    };

    SessionTableModel *m_model;
    QHash<QUuid, Live> m_live;
    QList<QDateTime> m_turnTimes; // finish times within the last minute, oldest first
};
