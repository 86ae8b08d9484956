#include "server/AdminApi.h"

#include "core/Ids.h"
#include "core/Logging.h"
#include "core/MetricsRegistry.h"
#include "core/Readiness.h"
#include "server/AdminFeed.h"
#include "server/Protocol.h"
#include "server/ServerMetrics.h"
#include "server/SessionRouter.h"
#include "storage/Database.h"

#include <QJsonArray>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace {

const QString kPrefix = u"/api/admin"_s;

HttpReply methodNotAllowed(const QString &path, const QByteArray &allow) {
    HttpReply reply =
        HttpReply::error(405, Protocol::Error::MethodNotAllowed,
                         u"%1 answers %2 only"_s.arg(path, QString::fromLatin1(allow)));
    reply.headers.append({QByteArrayLiteral("Allow"), allow});
    return reply;
}

} // namespace

AdminApi::AdminApi(Database *database, MetricsRegistry *metrics, SessionRouter *sessions,
                   const Readiness *readiness, const AdminFeed *feed, Send send, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_metrics(metrics)
    , m_sessions(sessions)
    , m_readiness(readiness)
    , m_feed(feed)
    , m_send(std::move(send)) {}

bool AdminApi::owns(const QString &path) {
    return path == kPrefix || path.startsWith(kPrefix + u'/');
}

QString AdminApi::readRefusal(const ClientIdentity &who) {
    if (who.seesEveryUser())
        return {};
    return u"the admin API needs the admin credential: the API token or a JWT with the admin "
           "role"_s;
}

void AdminApi::handle(const QHttpServerRequest &request, QTcpSocket *socket,
                      const ClientIdentity &who) {
    const QString path = request.url().path();
    if (const QString refusal = readRefusal(who); !refusal.isEmpty()) {
        m_send(socket, HttpReply::error(403, Protocol::Error::Forbidden, refusal));
        return;
    }
    const QStringList parts = path.split(u'/', Qt::SkipEmptyParts);
    const auto method = request.method();
    if (path == kPrefix + u"/status"_s) {
        m_send(socket, method == QHttpServerRequest::Method::Get
                           ? status()
                           : methodNotAllowed(path, QByteArrayLiteral("GET")));
        return;
    }
    // api admin sessions {id} end
    if (parts.size() == 5 && parts.at(2) == u"sessions" && parts.at(4) == u"end") {
        m_send(socket, method == QHttpServerRequest::Method::Post
                           ? endSession(parts.at(3), who)
                           : methodNotAllowed(path, QByteArrayLiteral("POST")));
        return;
    }
    if (path == kPrefix + u"/events"_s) {
        m_send(socket, HttpReply::error(426, Protocol::Error::UpgradeRequired,
                                        u"%1 is a WebSocket endpoint; connect with a WebSocket "
                                        "client"_s.arg(path)));
        return;
    }
    m_send(socket, HttpReply::error(404, Protocol::Error::NotFound,
                                    u"no such API route: %1; see PROTOCOL.md"_s.arg(path)));
}

HttpReply AdminApi::status() const {
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QJsonArray live;
    for (const QUuid &id : m_sessions->sessionIds())
        live.append(QJsonObject{{u"session_id"_s, Ids::toText(id)},
                                {u"user_id"_s, m_sessions->userId(id)}});
    const std::optional<Readiness::Check> check = m_readiness->lastCheck(Readiness::Part::Llm);
    const QString llmProblem = m_readiness->problem(Readiness::Part::Llm);
    const QJsonObject llm{
        {u"description"_s, m_settings.llmDescription ? m_settings.llmDescription() : u"unknown"_s},
        {u"ready"_s, llmProblem.isEmpty()},
        {u"problem"_s, llmProblem.isEmpty() ? QJsonValue() : QJsonValue(llmProblem)},
        {u"reachable"_s, check ? QJsonValue(check->passed) : QJsonValue()},
        {u"checked_ago_s"_s,
         check ? QJsonValue(Readiness::secondsAgo(check->at, now)) : QJsonValue()}};
    QJsonObject turns;
    double turnCount = 0;
    for (const QString &outcome : {u"stop"_s, u"length"_s, u"cancelled"_s, u"error"_s}) {
        const double count = m_metrics->value(ServerMetrics::Turns, {{u"outcome"_s, outcome}});
        turns.insert(outcome, count);
        turnCount += count;
    }
    const QJsonObject metrics{
        {u"turns_total"_s, turnCount},
        {u"turns_by_outcome"_s, turns},
        {u"tokens_streamed_total"_s, m_metrics->value(ServerMetrics::TokensStreamed)},
        {u"llm_requests_in_flight"_s, m_metrics->value(ServerMetrics::LlmRequestsInFlight)},
        {u"llm_requests_waiting"_s, m_metrics->value(ServerMetrics::LlmRequestsWaiting)},
        {u"database_queue_depth"_s, double(m_database->queueDepth())}};
    const QStringList reasons = m_readiness->reasons(now);
    return HttpReply::json(
        200, {{u"ready"_s, reasons.isEmpty()},
              {u"reasons"_s, QJsonArray::fromStringList(reasons)},
              {u"connections"_s, m_sessions->connectionCount()},
              {u"admin_feed_clients"_s, m_feed->clientCount()},
              {u"live_sessions"_s, live},
              {u"llm"_s, llm},
              {u"database"_s, QJsonObject{{u"healthy"_s, m_database->isHealthy()},
                                          {u"instance_id"_s, m_database->instanceId()}}},
              {u"metrics"_s, metrics},
              {u"remote_control"_s, m_settings.allowRemoteControl}});
}

HttpReply AdminApi::endSession(const QString &sessionText, const ClientIdentity &who) {
    if (who.role != ClientIdentity::Role::Admin)
        return HttpReply::error(403, Protocol::Error::Forbidden,
                                u"ending a session needs the admin credential (the API token or "
                                "a JWT with the admin role), and authentication configured"_s);
    if (!m_settings.allowRemoteControl)
        return HttpReply::error(403, Protocol::Error::Forbidden,
                                u"remote control is off: the admin API is read-only unless "
                                "admin/allow_remote_control (RTAI_ADMIN_ALLOW_REMOTE_CONTROL) "
                                "is true"_s);
    const QUuid id = Ids::parseSessionId(sessionText);
    if (id.isNull())
        return HttpReply::error(400, Protocol::Error::BadRequest,
                                u"%1 is not a session id; session ids are UUIDs such as "
                                "123e4567-e89b-12d3-a456-426614174000"_s.arg(sessionText));
    if (!m_sessions->endSession(id, u"ended by an administrator"_s))
        return HttpReply::error(404, Protocol::Error::NotFound,
                                u"session %1 is not live here"_s.arg(Ids::toText(id)));
    qCInfo(lcServer).noquote() << "session" << Ids::toText(id) << "ended through the admin API";
    return HttpReply::json(200, {{u"ended"_s, Ids::toText(id)}});
}
