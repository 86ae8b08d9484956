#pragma once

#include "core/Event.h"
#include "core/Session.h"

#include <QList>
#include <QPointer>
#include <QWidget>

class ConversationFeed;
class SessionArchive;
class EventLogModel;
class QLabel;
class QSplitter;
class QTableView;
class QTextBrowser;
class SessionMonitor;
class TranscriptView;

// One session in detail: the transcript (live while the session streams), the raw event log and
// the summary. Stored events are read once from the archive; from then on a live session is
// followed through its ConversationFeed's signals, never by reading the database again.
class SessionDetailWidget : public QWidget {
    Q_OBJECT
public:
    SessionDetailWidget(SessionMonitor *monitor, QWidget *parent = nullptr);

    void setArchive(SessionArchive *archive); // where the stored events are read
    void showSession(const Session &session);
    void clearSession();
    void setSummary(const QUuid &sessionId, const QString &summary);

    QUuid sessionId() const { return m_session.id; }
    Session session() const { return m_session; }
    QList<Event> events() const;
    bool isLoading() const { return m_loading; }

    TranscriptView *transcript() const { return m_transcript; }
    EventLogModel *eventLog() const { return m_eventLog; }
    QTableView *eventTable() const { return m_eventTable; }
    QTextBrowser *summaryView() const { return m_summary; }
    QSplitter *splitter() const { return m_splitter; }

Q_SIGNALS:
    // The stored events of the session shown are loaded (and live updates flow).
    void loaded(const QUuid &sessionId);
    void loadFailed(const QUuid &sessionId, const QString &message);

private:
    void follow(ConversationFeed *conversation);
    void onLiveAttached(const QUuid &sessionId);
    void loadEvents(quint64 generation, qint64 afterId, QList<Event> loaded);
    void finishLoading(const QList<Event> &events);
    void applyEvent(const Event &event);
    void updateHeader();
    void updateSummary();

    SessionMonitor *m_monitor;
    QPointer<SessionArchive> m_archive;
    QPointer<ConversationFeed> m_conversation;
    Session m_session;
    quint64 m_generation = 0;
    bool m_loading = false;
    QList<Event> m_buffered; // live events that arrived while the stored ones were loading

    QLabel *m_header = nullptr;
    TranscriptView *m_transcript = nullptr;
    EventLogModel *m_eventLog = nullptr;
    QTableView *m_eventTable = nullptr;
    QTextBrowser *m_summary = nullptr;
    QSplitter *m_splitter = nullptr;
};
