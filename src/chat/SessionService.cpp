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

using namespace Qt::StringLiterals;

SessionService::SessionService(Database *database, LlmClient *llm, ToolRegistry *tools,
                               SummaryScheduler *summaries, const ChatSettings &settings,
                               QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_llm(llm)
    , m_tools(tools)
    , m_summaries(summaries)
    , m_settings(settings) {}

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
    if (const auto live = m_live.find(id); live != m_live.end()) {
        if (live->userId != userId) {
            done({Opened::Outcome::OtherUser, nullptr, true, {}, {}});
            return;
        }
        live->held = true;
        done({Opened::Outcome::Opened, live->conversation, true, live->history, {}});
        return;
    }
    const bool lookupRunning = m_opening.contains(id);
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
            if (stored)
                loadEvents(id, owner);
            else
                createLive(id, owner, false, {});
        },
        [this, id](const QString &error) { failOpening(id, error); });
}

void SessionService::loadEvents(const QUuid &id, const QString &owner) {
    whenFinished(
        this, m_database->allEvents(id),
        [this, id, owner](const QList<Event> &events) { createLive(id, owner, true, events); },
        [this, id](const QString &error) { failOpening(id, error); });
}

void SessionService::failOpening(const QUuid &id, const QString &error) {
    qCWarning(lcChat).noquote() << "cannot open session" << Ids::toText(id) << ":" << error;
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
    live.conversation = new Conversation(id, m_llm, m_tools, m_database, m_settings, this);
    for (const Event &event : events)
        if (event.isReadableMessage())
            live.history.append(event);
    live.conversation->restore(events);
    Conversation *conversation = live.conversation;
    m_live.insert(id, live);
    if (m_summaries)
        m_summaries->cancel(id);

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
        if (const auto l = m_live.find(id); l != m_live.end() && event.isReadableMessage())
            l->history.append(event);
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
    m_live.erase(live);
    m_database->appendEvent(Event::make(id, EventType::SessionEnd, QString()));
    m_database->endSession(id, Timestamps::now());
    conversation->disconnect(this);
    conversation->deleteLater();
    if (summarize && m_summaries)
        m_summaries->schedule(id);
    qCInfo(lcChat).noquote() << "session" << Ids::toText(id) << "ended";
    Q_EMIT sessionClosed(id);
}
