#include "server/SessionManager.h"

#include "chat/Conversation.h"
#include "chat/SessionService.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "core/MetricsRegistry.h"
#include "core/RecordJson.h"
#include "llm/LlmClient.h"
#include "server/Authenticator.h"
#include "server/Protocol.h"
#include "server/ServerMetrics.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTimer>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace {

constexpr int kShutdownIdleWaitMs = 1000;
constexpr int kShutdownCloseWaitMs = 1000;
constexpr int kPollMs = 20;

QString otherUsersSession(const QUuid &id) {
    return u"session %1 belongs to another user; use a new session_id"_s.arg(Ids::toText(id));
}

} // namespace

SessionManager::SessionManager(SessionService *sessions, LlmClient *llm, MetricsRegistry *metrics,
                               UsageLimits *usage, const SessionSocket::Limits &limits,
                               QObject *parent)
    : QObject(parent)
    , m_sessions(sessions)
    , m_llm(llm)
    , m_metrics(metrics)
    , m_limits(limits)
    , m_usage(usage)
    , m_checkTimer(new QTimer(this)) {
    m_metrics->increment(ServerMetrics::SessionRepairs, {}, 0); // present, and 0, from the start
    m_metrics->increment(ServerMetrics::WebSocketConnections, {}, 0);
    connect(m_checkTimer, &QTimer::timeout, this, &SessionManager::checkConsistency);
    connect(m_sessions, &SessionService::sessionTakenOver, this,
            [this](const QUuid &id, const QString &newOwner) {
                if (SessionSocket *socket = m_served.take(id)) {
                    qCInfo(lcServer).noquote()
                        << "session" << Ids::toText(id) << "taken over by instance" << newOwner;
                    socket->closeWith(Protocol::CloseReplaced,
                                      u"replaced by a newer connection (to another instance)"_s);
                }
            });
    m_checkTimer->start(std::max(1, m_limits.consistencyCheckMs));
}

void SessionManager::setAuthenticator(Authenticator *authenticator) {
    m_authenticator = authenticator;
}

void SessionManager::setLimits(const SessionSocket::Limits &limits) {
    m_limits = limits;
    m_checkTimer->start(std::max(1, m_limits.consistencyCheckMs));
}

void SessionManager::accept(std::unique_ptr<QWebSocket> webSocket, const QString &peer) {
    const QHostAddress address = webSocket->peerAddress();
    auto *socket = new SessionSocket(std::move(webSocket), peer, m_limits, this);
    m_sockets.append(socket);
    countConnection(+1);
    connect(socket, &SessionSocket::closed, this,
            [this, socket](int code, const QString &) { onSocketClosed(socket, code); });
    qCInfo(lcServer).noquote() << "connection from" << socket->peer() << "session"
                               << Ids::toText(socket->sessionId()) << "user" << socket->userId();

    if (socket->isGone()) {
        // Reset right after the 101: closed() follows; there is nothing to open.
        qCInfo(lcServer).noquote() << "connection" << socket->peer()
                                   << "gone before its "
                                      "session opened";
    } else if (m_shuttingDown) {
        socket->refuse(Protocol::CloseGoingAway, u"server shutting down; reconnect later"_s);
    } else if (const ClientIdentity who = socket->identify(m_authenticator); who.isRefused()) {
        qCInfo(lcServer).noquote()
            << "connection" << socket->peer() << "not authorized:" << who.reason;
        socket->refuse(Protocol::ClosePolicy, u"not authorized: "_s + who.reason);
    } else if (!adoptUser(socket, who)) {
        // refused with 4403
    } else if (!socket->requestError().isEmpty()) {
        socket->refuse(Protocol::CloseBadRequest, socket->requestError());
    } else if (const auto refusal = m_usage->admitConnection(socket->userId())) {
        countRateLimited(refusal->limit);
        socket->refuse(Protocol::CloseTooManyConnections, refusal->message);
    } else {
        m_countedConnections.insert(socket);
        socket->setUsageLimits(m_usage, address);
        connect(socket, &SessionSocket::rateLimited, this, &SessionManager::countRateLimited);
        open(socket);
    }
}

bool SessionManager::endSession(const QUuid &sessionId, const QString &reason) {
    if (!m_sessions->conversation(sessionId))
        return false;
    if (SessionSocket *socket = m_served.take(sessionId))
        socket->closeWith(Protocol::CloseNormal, reason);
    return m_sessions->end(sessionId);
}

void SessionManager::shutdown() {
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    qCInfo(lcServer) << "shutting down" << m_sessions->sessionIds().size() << "sessions,"
                     << m_connections << "connections";
    m_sessions->beginShutdown();

    auto *clock = new QElapsedTimer;
    clock->start();
    auto *poll = new QTimer(this);
    poll->setInterval(kPollMs);
    int phase = 0; // 0: turns finishing, 1: sockets closing
    connect(poll, &QTimer::timeout, this, [this, poll, clock, phase]() mutable {
        if (phase == 0) {
            if (m_sessions->isBusy() && clock->elapsed() < kShutdownIdleWaitMs)
                return;
            m_served.clear();
            m_sessions->endAllWithoutSummary();
            for (const QPointer<SessionSocket> &socket : std::as_const(m_sockets))
                if (socket)
                    socket->closeWith(Protocol::CloseGoingAway, u"server shutting down"_s);
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

bool SessionManager::adoptUser(SessionSocket *socket, const ClientIdentity &who) {
    if (who.userId.isEmpty())
        return true;
    if (socket->lacksUserId()) {
        socket->assignUser(who.userId);
        return true;
    }
    if (who.role == ClientIdentity::Role::User && !socket->userId().isEmpty() &&
        socket->userId() != who.userId) {
        socket->refuse(Protocol::CloseForbidden,
                       u"user_id is not the user of your token; leave it out or give your own"_s);
        return false;
    }
    return true;
}

void SessionManager::open(SessionSocket *socket) {
    const QUuid id = socket->sessionId();
    m_sessions->open(
        id, socket->userId(), socket->lifetime(),
        [this, id, socket](const SessionService::Opened &opened) {
            using Outcome = SessionService::Opened::Outcome;
            switch (opened.outcome) {
            case Outcome::Opened:
                if (socket->isGone()) {
                    // The client left while its session was opening: nobody holds it now.
                    qCInfo(lcServer).noquote()
                        << "connection" << socket->peer() << "left while session" << Ids::toText(id)
                        << "was opening; ending it";
                    release(id);
                    break;
                }
                attach(id, socket, opened.conversation, opened.resumed, opened.history);
                break;
            case Outcome::OtherUser:
                socket->refuse(Protocol::CloseForbidden, otherUsersSession(id));
                break;
            case Outcome::DatabaseUnavailable:
                socket->refuse(Protocol::CloseInternal, u"the database is unavailable; try "
                                                        "again later"_s);
                break;
            case Outcome::ShuttingDown:
                socket->refuse(Protocol::CloseGoingAway, u"server shutting down"_s);
                break;
            }
        });
}

void SessionManager::attach(const QUuid &id, SessionSocket *socket, Conversation *conversation,
                            bool resumed, const QList<Event> &history) {
    SessionSocket *older = m_served.value(id);
    m_served.insert(id, socket);
    if (older && older != socket) {
        qCInfo(lcServer).noquote()
            << "session" << Ids::toText(id) << "taken over by a newer connection";
        older->closeWith(Protocol::CloseReplaced, u"replaced by a newer connection"_s);
    }
    QJsonArray messages;
    for (const Event &event : history)
        messages.append(RecordJson::historyMessage(event));
    socket->attach(conversation, resumed, m_llm->settings().model, messages);
}

void SessionManager::onSocketClosed(SessionSocket *socket, int code) {
    m_sockets.removeAll(socket);
    m_sockets.removeAll(nullptr);
    countConnection(-1);
    m_metrics->increment(ServerMetrics::WebSocketCloses, {{u"code"_s, QString::number(code)}});
    qCInfo(lcServer).noquote() << "connection" << socket->peer() << "closed, code" << code;
    if (m_countedConnections.remove(socket))
        m_usage->releaseConnection(socket->userId());
    const QUuid id = socket->sessionId();
    if (m_served.value(id) == socket) {
        m_served.remove(id);
        m_sessions->leave(id);
    }
}

void SessionManager::release(const QUuid &id) {
    const QPointer<SessionSocket> serving = m_served.value(id);
    if (serving && !serving->isGone())
        return; // another connection holds the session
    m_served.remove(id);
    m_sessions->leave(id);
}

int SessionManager::checkConsistency() {
    if (m_shuttingDown)
        return 0;
    QList<QUuid> orphans;
    // A serving socket that was destroyed without telling us.
    for (auto it = m_served.cbegin(); it != m_served.cend(); ++it)
        if (!it.value())
            orphans.append(it.key());
    for (const QUuid &id : std::as_const(orphans))
        m_served.remove(id);
    // A live session held for a client that no connection serves (a socket that is gone but not
    // yet reported still serves: its queued closed() lets go of it), or held by nobody and idle,
    // which should have ended.
    for (const QUuid &id : m_sessions->sessionIds()) {
        const bool held = m_sessions->isHeld(id);
        if ((held && !m_served.value(id)) ||
            (!held && !m_sessions->conversation(id)->isBusy() && !orphans.contains(id)))
            orphans.append(id);
    }
    for (const QUuid &id : std::as_const(orphans)) {
        qCWarning(lcServer).noquote() << "consistency check: live session" << Ids::toText(id)
                                      << "has no open connection; ending it";
        m_sessions->leave(id);
    }
    const int repairs = int(orphans.size());
    if (repairs > 0) {
        m_metrics->increment(ServerMetrics::SessionRepairs, {}, repairs);
        qCWarning(lcServer) << "consistency check repaired" << repairs << "sessions;"
                            << m_sessions->sessionIds().size() << "live," << m_connections
                            << "connections";
    }
    return repairs;
}

void SessionManager::countRateLimited(const QString &limit) {
    m_metrics->increment(ServerMetrics::RateLimited, {{u"limit"_s, limit}});
}

// The gauge counts every network thread's connections: each adds its own.
void SessionManager::countConnection(int change) {
    m_connections += change;
    m_metrics->increment(ServerMetrics::WebSocketConnections, {}, change);
    Q_EMIT connectionCountChanged(m_connections);
}
