#pragma once

#include "chat/ChatSettings.h"
#include "core/Event.h"
#include "storage/SessionClaim.h"

#include <QElapsedTimer>
#include <QFuture>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUuid>
#include <functional>
#include <optional>

class Conversation;
class Database;
class LlmClient;
class SummaryScheduler;
class ToolRegistry;
struct Session;

// The life of every session of this process: opened (created, or resumed with its memory
// loaded from the database), its session_start and session_end events, ended (end_time and
// the summary job) and the live ones in memory. The server maps connections to sessions; this
// is everything else. Lives on one thread (a network thread: SessionRouter); the database and
// the summary scheduler it uses may be on others.
//
// A session is live while a client holds it or a turn runs: when its client leaves during a
// turn, the turn finishes and is stored (the user sees it when they come back), then the
// session ends. A client that comes back before that resumes the live session.
//
// Several instances (ARCHITECTURE.md): opening a stored session makes this instance its owner;
// when another live instance held it, its memory is read only once that one let go (or after
// the lease expiry at most). A live session here that another instance took over (told by a
// notification, or found by the owner check at every lease renewal) is let go: its client is
// closed (sessionTakenOver), its turn finishes and is stored, then a `session_end` naming the
// new owner marks the release; it is not ended or summarized here.
class SessionService : public QObject {
    Q_OBJECT

public:
    // What open() found.
    struct Opened {
        enum class Outcome { Opened, OtherUser, DatabaseUnavailable, ShuttingDown };
        Outcome outcome = Outcome::Opened;
        Conversation *conversation = nullptr; // when Opened
        bool resumed = false;                 // the session existed before
        QList<Event> history;                 // its readable messages so far
        QString error;                        // DatabaseUnavailable: why
    };
    using OpenCallback = std::function<void(const Opened &)>;

    SessionService(Database *database, LlmClient *llm, ToolRegistry *tools,
                   SummaryScheduler *summaries, const ChatSettings &settings,
                   QObject *parent = nullptr);
    ~SessionService() override;

    // Opens the session `id` for `userId`, creating it or resuming it, and calls `done` on
    // `context` (not at all once the context is gone) when it knows; at once for a live
    // session. Opens of one session at the same time share one database lookup; the session
    // belongs to the user it was created for. The session then counts as held by a client
    // until leave().
    void open(const QUuid &id, const QString &userId, QObject *context, OpenCallback done);
    // The session's client is gone: the session ends once no turn runs.
    void leave(const QUuid &id);
    // Cancels the session's turns and ends it as soon as they are stored. False when not live.
    bool end(const QUuid &id);
    // Deletes a session and its events, unless it is live or being opened (nullopt then: end
    // it first); the future is false when there was no such session.
    std::optional<QFuture<bool>> remove(const QUuid &id);

    // Shutdown: no more sessions open; every turn is cancelled (partial replies are stored).
    void beginShutdown();
    bool isBusy() const; // a turn of a live session is still running
    // Ends every live session at once without scheduling summaries (the scheduler finds them
    // at the next start).
    void endAllWithoutSummary();

    QList<QUuid> sessionIds() const { return m_live.keys(); }
    // Whether a client holds the live session (open() without leave() since).
    bool isHeld(const QUuid &id) const;
    Conversation *conversation(const QUuid &id) const;
    QString userId(const QUuid &id) const;
    QList<Event> history(const QUuid &id) const;

Q_SIGNALS:
    void sessionOpened(const QUuid &id, const QString &userId, Conversation *conversation);
    void sessionClosed(const QUuid &id);
    // Another instance owns the live session now: its client must go (4000).
    void sessionTakenOver(const QUuid &id, const QString &newOwner);

private:
    struct Live {
        QString userId;
        Conversation *conversation = nullptr;
        QList<Event> history;
        bool held = true;    // a client holds it
        QString takenOverBy; // another instance owns it now: being let go
        quint64 serial = 0;  // tells this Live from a later one of the same session
    };
    struct Waiter {
        QString userId;
        QPointer<QObject> context;
        OpenCallback done;
    };

    void lookUp(const QUuid &id);
    void claim(const QUuid &id, const QString &owner);
    void awaitRelease(const QUuid &id, const QString &owner, const SessionClaim &claim,
                      const QElapsedTimer &waited);
    void loadEvents(const QUuid &id, const QString &owner);
    // `claimed`: this instance already owns the stored session, which must not stay open.
    void failOpening(const QUuid &id, const QString &error, bool claimed = false);
    void createLive(const QUuid &id, const QString &owner, bool resumed,
                    const QList<Event> &events);
    void answerWaiters(const QUuid &id, const std::function<Opened(const Waiter &)> &answer);
    void endWhenIdle(const QUuid &id);
    void endNow(const QUuid &id, bool summarize);
    void scheduleSummary(const QUuid &id);
    void letGo(const QUuid &id, const QString &newOwner);
    void checkOwners();

    Database *m_database;
    LlmClient *m_llm;
    ToolRegistry *m_tools;
    SummaryScheduler *m_summaries;
    ChatSettings m_settings;
    QHash<QUuid, Live> m_live;
    QHash<QUuid, QList<Waiter>> m_opening;
    quint64 m_nextSerial = 0;
    bool m_shuttingDown = false;
};
