#include "chat/SessionService.h"

#include "chat/ChatEvents.h"
#include "chat/Conversation.h"
#include "chat/SummaryScheduler.h"
#include "core/FutureCallbacks.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "core/Session.h"
#include "core/Timestamps.h"
#include "storage/Database.h"

#include <QTimer>

using namespace Qt::StringLiterals;

namespace {
constexpr int kReleasePollMs = 100;
}

SessionService::SessionService(Database *database, LlmClient *llm, ToolRegistry *tools,
                               SummaryScheduler *summaries, const ChatSettings &settings,
                               QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_llm(llm)
    , m_tools(tools)
    , m_summaries(summaries)
    , m_settings(settings) {
    connect(m_database, &Database::sessionOwnerChanged, this,
            [this](const QUuid &id, const QString &newOwner) {
                if (newOwner != m_database->instanceId())
                    letGo(id, newOwner);
            });
    connect(m_database, &Database::leaseRenewed, this, &SessionService::checkOwners);
}

SessionService::~SessionService() {
    // Before the members the conversations' signals would reach.
    for (const Live &live : std::as_const(m_live)) {
        live.conversation->disconnect(this);
        delete live.conversation;
    }
}

void SessionService::open(const QUuid &id, const QString &userId, QObject *context,
                          OpenCallback done) {
    if (m_shuttingDown) {
        done({Opened::Outcome::ShuttingDown, nullptr, false, {}, {}});
        return;
    }
    if (const auto live = m_live.find(id); live != m_live.end() && live->takenOverBy.isEmpty()) {
        if (live->userId != userId) {
            done({Opened::Outcome::OtherUser, nullptr, true, {}, {}});
            return;
        }
        live->held = true;
        done({Opened::Outcome::Opened, live->conversation, true, live->history, {}});
        return;
    }
    // A session being let go to another instance is looked up (and claimed back) once it is.
    const bool lookupRunning = m_opening.contains(id) || m_live.contains(id);
    m_opening[id].append({userId, context, std::move(done)});
    if (!lookupRunning)
        lookUp(id);
}

void SessionService::lookUp(const QUuid &id) {
    whenFinished(
        this, m_database->session(id),
        [this, id](const std::optional<Session> &stored) {
            const QList<Waiter> waiters = m_opening.value(id);
            const auto alive = std::find_if(waiters.cbegin(), waiters.cend(),
                                            [](const Waiter &w) { return !w.context.isNull(); });
            if (alive == waiters.cend()) {
                m_opening.remove(id);
                return;
            }
            // The session belongs to the user it was created for.
            const QString owner = stored ? stored->userId : alive->userId;
            if (!stored) {
                createLive(id, owner, false, {});
                return;
            }
            // Only its own user's client may claim it (and so take it from another instance).
            if (std::none_of(waiters.cbegin(), waiters.cend(), [&owner](const Waiter &w) {
                    return w.context && w.userId == owner;
                })) {
                answerWaiters(id, [](const Waiter &) {
                    return Opened{Opened::Outcome::OtherUser, nullptr, true, {}, {}};
                });
                return;
            }
            claim(id, owner);
        },
        [this, id](const QString &error) { failOpening(id, error); });
}

void SessionService::claim(const QUuid &id, const QString &owner) {
    whenFinished(
        this, m_database->claimSession(id, owner, Timestamps::now()),
        [this, id, owner](const SessionClaim &claim) {
            if (!claim.mustWait) {
                loadEvents(id, owner);
                return;
            }
            qCInfo(lcChat).noquote()
                << u"session %1 is live on instance %2; reading its memory once that one lets go"_s
                       .arg(Ids::toText(id), claim.previousOwner);
            QElapsedTimer waited;
            waited.start();
            awaitRelease(id, owner, claim, waited);
        },
        [this, id](const QString &error) { failOpening(id, error); });
}

// Polls rather than waits for a notification, so that it works through a transaction pooler.
void SessionService::awaitRelease(const QUuid &id, const QString &owner, const SessionClaim &claim,
                                  const QElapsedTimer &waited) {
    whenFinished(
        this, m_database->sessionReleased(id, claim.previousOwner, claim.lastEventId),
        [this, id, owner, claim, waited](bool released) {
            const int boundMs = m_database->lease().expiryMs;
            if (!released && waited.elapsed() < boundMs) {
                QTimer::singleShot(kReleasePollMs, this, [this, id, owner, claim, waited] {
                    awaitRelease(id, owner, claim, waited);
                });
                return;
            }
            if (!released)
                qCWarning(lcChat).noquote()
                    << u"instance %1 did not let go of session %2 within %3 ms; opening it "
                       "anyway (its last events may follow this instance's)"_s
                           .arg(claim.previousOwner, Ids::toText(id))
                           .arg(boundMs);
            else
                qCInfo(lcChat).noquote() << "instance" << claim.previousOwner << "let go of session"
                                         << Ids::toText(id) << "after" << waited.elapsed() << "ms";
            loadEvents(id, owner);
        },
        [this, id](const QString &error) { failOpening(id, error, true); });
}

void SessionService::loadEvents(const QUuid &id, const QString &owner) {
    whenFinished(
        this, m_database->allEvents(id),
        [this, id, owner](const QList<Event> &events) { createLive(id, owner, true, events); },
        [this, id](const QString &error) { failOpening(id, error, true); });
}

void SessionService::failOpening(const QUuid &id, const QString &error, bool claimed) {
    qCWarning(lcChat).noquote() << "cannot open session" << Ids::toText(id) << ":" << error;
    if (claimed) {
        // Owned here now, so no other instance would ever end it: end it (queued until the
        // database is back); the client's next open reopens it.
        m_database->endSession(id, Timestamps::now());
        scheduleSummary(id);
    }
    answerWaiters(id, [&error](const Waiter &) {
        return Opened{Opened::Outcome::DatabaseUnavailable, nullptr, false, {}, error};
    });
}

void SessionService::createLive(const QUuid &id, const QString &owner, bool resumed,
                                const QList<Event> &events) {
    const QList<Waiter> waiters = m_opening.value(id);
    const bool anyOwner = std::any_of(waiters.cbegin(), waiters.cend(), [&owner](const Waiter &w) {
        return w.context && w.userId == owner;
    });
    if (!anyOwner || m_shuttingDown) {
        if (resumed) {
            // Claimed for clients that are gone: owned here, so it is ended here.
            m_database->endSession(id, Timestamps::now());
            if (!m_shuttingDown)
                scheduleSummary(id);
        }
        answerWaiters(id, [&owner](const Waiter &waiter) {
            return Opened{waiter.userId == owner ? Opened::Outcome::ShuttingDown
                                                 : Opened::Outcome::OtherUser,
                          nullptr,
                          false,
                          {},
                          {}};
        });
        return;
    }

    Live live;
    live.userId = owner;
    live.serial = ++m_nextSerial;
    live.conversation = new Conversation(id, m_llm, m_tools, m_database, m_settings, this);
    for (const Event &event : ChatEvents::withoutWithdrawnTurns(events))
        if (event.isReadableMessage())
            live.history.append(event);
    live.conversation->restore(events);
    Conversation *conversation = live.conversation;
    m_live.insert(id, live);
    if (SummaryScheduler *summaries = m_summaries)
        QMetaObject::invokeMethod(summaries, [summaries, id] { summaries->cancel(id); });

    if (!resumed) // a stored session was claimed before its events were read
        m_database->createSession(id, owner, Timestamps::now());
    // Turns a process that stopped (a crash, SIGKILL) left without their reply.
    for (const QString &turn : ChatEvents::unansweredTurns(events)) {
        qCInfo(lcChat).noquote() << "session" << Ids::toText(id) << "turn" << turn
                                 << "was interrupted without its reply; marked";
        m_database->appendEvent(ChatEvents::interruptedTurn(id, turn));
    }
    m_database->appendEvent(Event::make(id, EventType::SessionStart, QString(),
                                        {{u"user_id"_s, owner}, {u"resumed"_s, resumed}}));
    connect(conversation, &Conversation::eventRecorded, this, [this, id](const Event &event) {
        const auto l = m_live.find(id);
        if (l == m_live.end())
            return;
        if (event.isReadableMessage())
            l->history.append(event);
        else if (event.type == EventType::TurnWithdrawn)
            l->history.removeIf([turn = ChatEvents::turnId(event)](const Event &message) {
                return ChatEvents::turnId(message) == turn;
            });
    });
    connect(conversation, &Conversation::idle, this, [this, id] {
        if (const auto l = m_live.constFind(id); l != m_live.cend() && !l->held)
            endNow(id, true);
    });
    qCInfo(lcChat).noquote() << "session" << Ids::toText(id) << "opened for" << owner
                             << (resumed ? "(resumed)" : "(new)");
    Q_EMIT sessionOpened(id, owner, conversation);
    answerWaiters(id, [&](const Waiter &waiter) {
        if (waiter.userId != owner)
            return Opened{Opened::Outcome::OtherUser, nullptr, true, {}, {}};
        const auto l = m_live.constFind(id);
        if (l == m_live.cend()) // an earlier waiter's callback ended it
            return Opened{Opened::Outcome::ShuttingDown, nullptr, false, {}, {}};
        return Opened{Opened::Outcome::Opened, l->conversation, resumed, l->history, {}};
    });
}

void SessionService::answerWaiters(const QUuid &id,
                                   const std::function<Opened(const Waiter &)> &answer) {
    const QList<Waiter> waiters = m_opening.take(id);
    for (const Waiter &waiter : waiters) {
        if (!waiter.context)
            continue;
        if (const auto live = m_live.find(id);
            live != m_live.end() && waiter.userId == live->userId)
            live->held = true;
        waiter.done(answer(waiter));
    }
}

void SessionService::leave(const QUuid &id) {
    const auto live = m_live.find(id);
    if (live == m_live.end())
        return;
    live->held = false;
    // The turn in flight finishes and is stored; nobody would read the queued replies.
    live->conversation->dropQueued();
    endWhenIdle(id);
}

bool SessionService::end(const QUuid &id) {
    const auto live = m_live.find(id);
    if (live == m_live.end())
        return false;
    live->conversation->cancelAll();
    leave(id);
    return true;
}

std::optional<QFuture<bool>> SessionService::remove(const QUuid &id) {
    if (m_live.contains(id) || m_opening.contains(id))
        return std::nullopt;
    return m_database->deleteSession(id);
}

void SessionService::beginShutdown() {
    m_shuttingDown = true;
    for (const Live &live : std::as_const(m_live))
        live.conversation->cancelAll();
}

bool SessionService::isBusy() const {
    return std::any_of(m_live.cbegin(), m_live.cend(),
                       [](const Live &live) { return live.conversation->isBusy(); });
}

void SessionService::endAllWithoutSummary() {
    for (const QUuid &id : m_live.keys())
        endNow(id, false);
}

Conversation *SessionService::conversation(const QUuid &id) const {
    const auto live = m_live.constFind(id);
    return live == m_live.cend() ? nullptr : live->conversation;
}

bool SessionService::isHeld(const QUuid &id) const {
    const auto live = m_live.constFind(id);
    return live != m_live.cend() && live->held;
}

QString SessionService::userId(const QUuid &id) const {
    const auto live = m_live.constFind(id);
    return live == m_live.cend() ? QString() : live->userId;
}

QList<Event> SessionService::history(const QUuid &id) const {
    const auto live = m_live.constFind(id);
    return live == m_live.cend() ? QList<Event>() : live->history;
}

void SessionService::endWhenIdle(const QUuid &id) {
    const auto live = m_live.constFind(id);
    if (live == m_live.cend())
        return;
    if (live->conversation->isBusy()) {
        qCInfo(lcChat).noquote() << "session" << Ids::toText(id)
                                 << "disconnected during a turn; ending it when the turn is "
                                    "stored";
        return; // the idle signal ends it
    }
    endNow(id, true);
}

void SessionService::endNow(const QUuid &id, bool summarize) {
    const auto live = m_live.find(id);
    if (live == m_live.end())
        return;
    Conversation *conversation = live->conversation;
    const QString takenOverBy = live->takenOverBy;
    m_live.erase(live);
    if (takenOverBy.isEmpty()) {
        m_database->appendEvent(Event::make(id, EventType::SessionEnd, QString()));
        m_database->endSession(id, Timestamps::now());
    } else {
        // The release the new owner waits for; the session goes on there.
        m_database->appendEvent(
            Event::make(id, EventType::SessionEnd, QString(), {{u"taken_over_by"_s, takenOverBy}}));
    }
    conversation->disconnect(this);
    conversation->deleteLater();
    if (summarize && takenOverBy.isEmpty())
        scheduleSummary(id);
    qCInfo(lcChat).noquote() << "session" << Ids::toText(id)
                             << (takenOverBy.isEmpty() ? "ended" : "let go to instance")
                             << takenOverBy;
    Q_EMIT sessionClosed(id);
    if (m_opening.contains(id) && !m_shuttingDown)
        lookUp(id); // a client came back here while it was being let go
}

// The scheduler lives on the main thread; this service may be on a network thread.
void SessionService::scheduleSummary(const QUuid &id) {
    if (SummaryScheduler *summaries = m_summaries)
        QMetaObject::invokeMethod(summaries, [summaries, id] { summaries->schedule(id); });
}

void SessionService::letGo(const QUuid &id, const QString &newOwner) {
    const auto live = m_live.find(id);
    if (live == m_live.end() || !live->takenOverBy.isEmpty())
        return;
    qCInfo(lcChat).noquote() << u"session %1 taken over by instance %2; letting go of it%3"_s.arg(
        Ids::toText(id), newOwner,
        live->conversation->isBusy() ? u" once its turn is stored"_s : QString());
    live->takenOverBy = newOwner;
    live->held = false;
    live->conversation->dropQueued();
    Q_EMIT sessionTakenOver(id, newOwner);
    endWhenIdle(id);
}

// The fallback for a lost notification (a dropped connection, a pooler where LISTEN does not
// work): every lease renewal, the live sessions whose owner column names another instance.
void SessionService::checkOwners() {
    if (m_database->isSingleProcess())
        return;
    QHash<QUuid, quint64> asked;
    for (auto it = m_live.cbegin(); it != m_live.cend(); ++it)
        if (it->takenOverBy.isEmpty())
            asked.insert(it.key(), it->serial);
    if (asked.isEmpty())
        return;
    whenFinished(
        this, m_database->sessionsOwnedElsewhere(asked.keys()),
        [this, asked](const QHash<QUuid, QString> &owners) {
            for (auto it = owners.cbegin(); it != owners.cend(); ++it) {
                const auto live = m_live.constFind(it.key());
                // Not a later Live of the session, opened (and claimed) after the question.
                if (live != m_live.cend() && live->serial == asked.value(it.key()))
                    letGo(it.key(), it.value());
            }
        },
        [](const QString &error) {
            qCWarning(lcChat).noquote() << "cannot check the owners of live sessions:" << error;
        });
}
