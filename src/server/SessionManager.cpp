#include "server/SessionManager.h"

#include "chat/Conversation.h"
#include "chat/SummaryScheduler.h"
#include "core/FutureCallbacks.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "core/MetricsRegistry.h"
#include "core/Timestamps.h"
#include "llm/LlmClient.h"
#include "server/JsonFormat.h"
#include "server/ServerMetrics.h"
#include "storage/Database.h"

#include <QTimer>
#include <QWebSocket>

namespace {

constexpr int kEventPage = 1000;
constexpr int kShutdownIdleWaitMs = 1000;
constexpr int kShutdownCloseWaitMs = 1000;
constexpr int kPollMs = 20;

} // namespace

SessionManager::SessionManager(Database *database, LlmClient *llm, ToolRegistry *tools,
                               MetricsRegistry *metrics, SummaryScheduler *summaries,
                               const ChatSettings &chatSettings,
                               const SessionSocket::Limits &limits, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_llm(llm)
    , m_tools(tools)
    , m_metrics(metrics)
    , m_summaries(summaries)
    , m_chatSettings(chatSettings)
    , m_limits(limits) {}

SessionManager::~SessionManager() {
    qDeleteAll(m_live);
}

void SessionManager::setApiToken(const QString &token) {
    m_apiToken = token;
}

void SessionManager::setLimits(const SessionSocket::Limits &limits) {
    m_limits = limits;
}

void SessionManager::accept(std::unique_ptr<QWebSocket> webSocket) {
    auto *socket = new SessionSocket(std::move(webSocket), m_limits, this);
    m_sockets.append(socket);
    ++m_connections;
    updateGauges();
    Q_EMIT connectionCountChanged(m_connections);
    connect(socket, &SessionSocket::closed, this,
            [this, socket](int code, const QString &) { onSocketClosed(socket, code); });
    qCInfo(lcServer).noquote() << "connection from" << socket->peer() << "session"
                               << Ids::toText(socket->sessionId()) << "user" << socket->userId();

    if (m_shuttingDown) {
        socket->refuse(SessionSocket::CloseGoingAway,
                       QStringLiteral("server shutting down; reconnect later"));
    } else if (!socket->isAuthorized(m_apiToken)) {
        socket->refuse(SessionSocket::ClosePolicy,
                       QStringLiteral("not authorized: present the API token as ?token=… or "
                                      "Authorization: Bearer …"));
    } else if (!socket->requestError().isEmpty()) {
        socket->refuse(SessionSocket::CloseBadRequest, socket->requestError());
    } else {
        open(socket);
    }
}

QList<QUuid> SessionManager::sessionIds() const {
    return m_live.keys();
}

Conversation *SessionManager::conversation(const QUuid &sessionId) const {
    const Live *live = m_live.value(sessionId);
    return live ? live->conversation : nullptr;
}

QString SessionManager::userId(const QUuid &sessionId) const {
    const Live *live = m_live.value(sessionId);
    return live ? live->userId : QString();
}

bool SessionManager::endSession(const QUuid &sessionId, const QString &reason) {
    Live *live = m_live.value(sessionId);
    if (!live)
        return false;
    live->conversation->cancelAll();
    if (SessionSocket *socket = std::exchange(live->socket, nullptr))
        socket->closeWith(SessionSocket::CloseNormal, reason);
    endWhenIdle(live);
    return true;
}

void SessionManager::shutdown() {
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    qCInfo(lcServer) << "shutting down" << m_live.size() << "sessions," << m_connections
                     << "connections";
    for (Live *live : std::as_const(m_live))
        live->conversation->cancelAll();

    auto *clock = new QElapsedTimer;
    clock->start();
    auto *poll = new QTimer(this);
    poll->setInterval(kPollMs);
    int phase = 0; // 0: turns finishing, 1: sockets closing
    connect(poll, &QTimer::timeout, this, [this, poll, clock, phase]() mutable {
        if (phase == 0) {
            bool busy = false;
            for (const Live *live : std::as_const(m_live))
                busy = busy || live->conversation->isBusy();
            if (busy && clock->elapsed() < kShutdownIdleWaitMs)
                return;
            for (Live *live : m_live.values()) {
                live->summarize = false;
                end(live);
            }
            for (const QPointer<SessionSocket> &socket : std::as_const(m_sockets))
                if (socket)
                    socket->closeWith(SessionSocket::CloseGoingAway,
                                      QStringLiteral("server shutting down"));
            phase = 1;
            clock->restart();
        }
        if (m_connections > 0 && clock->elapsed() < kShutdownCloseWaitMs)
            return;
        poll->stop();
        poll->deleteLater();
        delete clock;
        Q_EMIT shutdownFinished();
    });
    poll->start();
}

void SessionManager::open(SessionSocket *socket) {
    const QUuid id = socket->sessionId();
    if (Live *live = m_live.value(id)) {
        if (live->userId != socket->userId()) {
            socket->refuse(SessionSocket::CloseForbidden,
                           QStringLiteral("session %1 belongs to another user; use a new "
                                          "session_id")
                               .arg(Ids::toText(id)));
            return;
        }
        attach(live, socket, true);
        return;
    }
    const bool lookupRunning = m_opening.contains(id);
    m_opening[id].sockets.append(socket);
    if (lookupRunning)
        return;
    whenFinished(
        this, m_database->session(id),
        [this, id](const std::optional<Session> &stored) { onLookup(id, stored); },
        [this, id](const QString &error) { failOpening(id, error); });
}

void SessionManager::onLookup(const QUuid &id, const std::optional<Session> &stored) {
    Opening &opening = m_opening[id];
    opening.sockets.removeAll(nullptr);
    if (opening.sockets.isEmpty()) {
        m_opening.remove(id);
        return;
    }
    opening.owner = stored ? stored->userId : opening.sockets.constFirst()->userId();
    if (stored)
        loadEvents(id, 0, {});
    else
        createLive(id, opening.owner, false, {});
}

void SessionManager::loadEvents(const QUuid &id, qint64 afterId, QList<Event> loaded) {
    whenFinished(
        this, m_database->events(id, afterId, kEventPage),
        [this, id, loaded](const QList<Event> &page) mutable {
            loaded += page;
            if (page.size() == kEventPage)
                loadEvents(id, page.constLast().id, loaded);
            else
                createLive(id, m_opening.value(id).owner, true, loaded);
        },
        [this, id](const QString &error) { failOpening(id, error); });
}

void SessionManager::createLive(const QUuid &id, QString owner, bool resumed,
                                const QList<Event> &events) {
    const Opening opening = m_opening.take(id);
    QList<SessionSocket *> accepted;
    for (const QPointer<SessionSocket> &socket : opening.sockets) {
        if (!socket)
            continue;
        if (socket->userId() == owner)
            accepted.append(socket);
        else
            socket->refuse(SessionSocket::CloseForbidden,
                           QStringLiteral("session %1 belongs to another user; use a new "
                                          "session_id")
                               .arg(Ids::toText(id)));
    }
    if (accepted.isEmpty() || m_shuttingDown) {
        for (SessionSocket *socket : accepted)
            socket->refuse(SessionSocket::CloseGoingAway, QStringLiteral("server shutting down"));
        return;
    }

    auto *live = new Live;
    live->id = id;
    live->userId = owner;
    live->conversation = new Conversation(id, m_llm, m_tools, m_database, m_chatSettings, this);
    for (const Event &event : events)
        if (const QJsonObject message = JsonFormat::historyMessage(event); !message.isEmpty())
            live->history.append(message);
    live->conversation->restore(events);
    m_live.insert(id, live);
    if (m_summaries)
        m_summaries->cancel(id);

    m_database->createSession(id, owner, Timestamps::now());
    m_database->appendEvent(
        Event::make(id, EventType::SessionStart, QString(),
                    {{QStringLiteral("user_id"), owner}, {QStringLiteral("resumed"), resumed}}));

    Conversation *conversation = live->conversation;
    connect(conversation, &Conversation::eventRecorded, this, [this, id](const Event &event) {
        if (Live *l = m_live.value(id))
            if (const QJsonObject message = JsonFormat::historyMessage(event); !message.isEmpty())
                l->history.append(message);
    });
    connect(conversation, &Conversation::contentDelta, this,
            [this] { m_metrics->increment(ServerMetrics::TokensStreamed); });
    connect(conversation, &Conversation::toolFinished, this,
            [this](const QString &, const QString &tool, bool ok, const QJsonValue &) {
                m_metrics->increment(ServerMetrics::ToolCalls,
                                     {{QStringLiteral("tool"), tool},
                                      {QStringLiteral("outcome"),
                                       ok ? QStringLiteral("ok") : QStringLiteral("error")}});
            });
    connect(conversation, &Conversation::turnFinished, this, [this](const TurnOutcome &outcome) {
        m_metrics->increment(ServerMetrics::Turns,
                             {{QStringLiteral("outcome"), outcome.finishReason}});
        if (outcome.ttftMs >= 0)
            m_metrics->observe(ServerMetrics::TimeToFirstToken, double(outcome.ttftMs) / 1000.0);
        m_metrics->observe(ServerMetrics::TurnDuration, double(outcome.durationMs) / 1000.0);
        if (outcome.finishReason == u"error")
            m_metrics->increment(ServerMetrics::LlmErrors,
                                 {{QStringLiteral("kind"), outcome.errorCode}});
    });
    connect(conversation, &Conversation::idle, this, [this, id] {
        Live *l = m_live.value(id);
        if (l && !l->socket && !l->ending)
            end(l);
    });

    qCInfo(lcServer).noquote() << "session" << Ids::toText(id) << "opened for" << owner
                               << (resumed ? "(resumed)" : "(new)");
    updateGauges();
    Q_EMIT sessionOpened(id, owner, conversation);
    for (SessionSocket *socket : accepted)
        attach(live, socket, resumed);
}

void SessionManager::failOpening(const QUuid &id, const QString &message) {
    qCWarning(lcServer).noquote() << "cannot open session" << Ids::toText(id) << ":" << message;
    const Opening opening = m_opening.take(id);
    for (const QPointer<SessionSocket> &socket : opening.sockets)
        if (socket)
            socket->refuse(SessionSocket::CloseInternal,
                           QStringLiteral("the database is unavailable; try again later"));
}

void SessionManager::attach(Live *live, SessionSocket *socket, bool resumed) {
    SessionSocket *older = std::exchange(live->socket, socket);
    live->ending = false;
    if (older && older != socket) {
        qCInfo(lcServer).noquote()
            << "session" << Ids::toText(live->id) << "taken over by a newer connection";
        older->closeWith(SessionSocket::CloseReplaced,
                         QStringLiteral("replaced by a newer connection"));
    }
    socket->attach(live->conversation, resumed, m_llm->settings().model, live->history);
}

void SessionManager::onSocketClosed(SessionSocket *socket, int code) {
    m_sockets.removeAll(socket);
    m_sockets.removeAll(nullptr);
    --m_connections;
    m_metrics->increment(ServerMetrics::WebSocketCloses,
                         {{QStringLiteral("code"), QString::number(code)}});
    qCInfo(lcServer).noquote() << "connection" << socket->peer() << "closed, code" << code;
    Live *live = findBySocket(socket);
    if (live) {
        live->socket = nullptr;
        endWhenIdle(live);
    }
    updateGauges();
    Q_EMIT connectionCountChanged(m_connections);
}

void SessionManager::endWhenIdle(Live *live) {
    if (live->conversation->isBusy()) {
        qCInfo(lcServer).noquote() << "session" << Ids::toText(live->id)
                                   << "disconnected during a turn; ending it when the turn is "
                                      "stored";
        return; // the idle signal ends it
    }
    end(live);
}

void SessionManager::end(Live *live) {
    if (live->ending)
        return;
    live->ending = true;
    const QUuid id = live->id;
    m_live.remove(id);
    const QDateTime now = Timestamps::now();
    m_database->appendEvent(Event::make(id, EventType::SessionEnd, QString()));
    m_database->endSession(id, now);
    live->conversation->disconnect(this);
    live->conversation->deleteLater();
    if (live->summarize && m_summaries)
        m_summaries->schedule(id);
    qCInfo(lcServer).noquote() << "session" << Ids::toText(id) << "ended";
    delete live;
    updateGauges();
    Q_EMIT sessionClosed(id);
}

void SessionManager::updateGauges() {
    m_metrics->set(ServerMetrics::ActiveSessions, double(m_live.size()));
    m_metrics->set(ServerMetrics::WebSocketConnections, double(m_connections));
}

SessionManager::Live *SessionManager::findBySocket(SessionSocket *socket) const {
    for (Live *live : m_live)
        if (live->socket == socket)
            return live;
    return nullptr;
}
