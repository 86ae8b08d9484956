#include "ui/RemoteConsoleServer.h"

#include "chat/ConversationFeed.h"
#include "core/FutureCallbacks.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "core/MetricsRegistry.h"
#include "core/Readiness.h"
#include "ui/AdminClient.h"
#include "ui/AdminFeedReader.h"
#include "ui/RemoteSessionArchive.h"

#include <QJsonArray>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace {
using Reply = AdminClient::Reply;

// The names of /metrics (PROTOCOL.md) that the console's charts sample, filled from the status.
const QString Turns = u"rtai_turns_total"_s;
const QString TokensStreamed = u"rtai_tokens_streamed_total"_s;
const QString LlmInFlight = u"rtai_llm_requests_in_flight"_s;
const QString LlmWaiting = u"rtai_llm_requests_waiting"_s;
const QString DatabaseQueue = u"rtai_database_queue_depth"_s;
} // namespace

RemoteConsoleServer::RemoteConsoleServer(const Config &config, const QUrl &url,
                                         const QString &token, QObject *parent)
    : ConsoleServer(parent)
    , m_config(config)
    , m_client(new AdminClient(url, token, this))
    , m_archive(new RemoteSessionArchive(m_client, this))
    , m_reader(new AdminFeedReader(this))
    , m_readiness(new Readiness(this))
    , m_metrics(new MetricsRegistry(this)) {
    using Type = MetricsRegistry::Type;
    m_metrics->describe(Turns, Type::Counter, u"Turns of the remote server, by outcome"_s);
    m_metrics->describe(TokensStreamed, Type::Counter, u"Content deltas of the remote server"_s);
    m_metrics->describe(LlmInFlight, Type::Gauge, u"The remote server's LLM requests"_s);
    m_metrics->describe(LlmWaiting, Type::Gauge, u"The remote server's waiting requests"_s);
    m_metrics->describe(DatabaseQueue, Type::Gauge, u"The remote database's write queue"_s);
    m_statusTimer.setInterval(kStatusIntervalMs);
    connect(&m_statusTimer, &QTimer::timeout, this, &RemoteConsoleServer::requestStatus);
    connect(m_reader, &AdminFeedReader::greeted, this, [this] {
        if (m_state != State::Starting)
            return;
        m_state = State::Running;
        m_statusTimer.start();
        Q_EMIT started(this->url());
    });
    connect(m_reader, &AdminFeedReader::sessionOpened, this, &ConsoleServer::sessionOpened);
    connect(m_reader, &AdminFeedReader::sessionClosed, this, &ConsoleServer::sessionClosed);
}

RemoteConsoleServer::~RemoteConsoleServer() {
    closeFeed();
}

ConsoleServer::Factory RemoteConsoleServer::factory(const QUrl &url, const QString &token) {
    return [url, token](const Config &config, QObject *parent) -> ConsoleServer * {
        return new RemoteConsoleServer(config, url, token, parent);
    };
}

void RemoteConsoleServer::start() {
    if (m_state != State::Idle)
        return;
    m_state = State::Starting;
    const auto fail = [this](const QString &error) {
        if (m_state != State::Starting)
            return;
        qCWarning(lcUi).noquote() << "remote server" << m_client->url().toString() << ":" << error;
        closeFeed();
        m_state = State::Stopped;
        Q_EMIT startFailed(error);
    };
    if (const QString problem = AdminClient::checkUrl(m_client->url()); !problem.isEmpty()) {
        QMetaObject::invokeMethod(
            this, [fail, problem] { fail(problem); }, Qt::QueuedConnection);
        return;
    }
    whenFinished(
        this, m_client->get(u"/api/admin/status"_s),
        [this, fail](const Reply &reply) {
            if (!reply.ok()) {
                fail(reply.error);
                return;
            }
            if (m_state != State::Starting)
                return;
            applyStatus(reply.body);
            openFeed();
        },
        fail);
}

void RemoteConsoleServer::stop() {
    if (m_state != State::Starting && m_state != State::Running)
        return;
    m_state = State::Stopping;
    closeFeed();
    m_state = State::Stopped;
    // As the embedded server's, stopped() comes from the event loop, after stop() returned.
    QMetaObject::invokeMethod(this, &ConsoleServer::stopped, Qt::QueuedConnection);
}

QUrl RemoteConsoleServer::url() const {
    return m_state == State::Running ? m_client->url() : QUrl();
}

QList<QUuid> RemoteConsoleServer::sessionIds() const {
    return m_reader->sessionIds();
}

ConversationFeed *RemoteConsoleServer::conversation(const QUuid &sessionId) const {
    return m_reader->conversation(sessionId);
}

QString RemoteConsoleServer::sessionUserId(const QUuid &sessionId) const {
    return m_reader->userId(sessionId);
}

QString RemoteConsoleServer::controlRefusal() const {
    if (m_status.value(u"remote_control"_s).toBool())
        return {};
    return tr("%1 is read-only: sessions are ended there, or on it with "
              "admin/allow_remote_control on")
        .arg(m_client->url().authority());
}

bool RemoteConsoleServer::endSession(const QUuid &sessionId) {
    if (m_state != State::Running || !controlRefusal().isEmpty() ||
        !m_reader->conversation(sessionId))
        return false;
    const auto refused = [this, sessionId](const QString &error) {
        Q_EMIT errorOccurred(tr("Session %1 was not ended: %2").arg(Ids::toText(sessionId), error));
    };
    whenFinished(
        this, m_client->post(u"/api/admin/sessions/%1/end"_s.arg(Ids::toText(sessionId))),
        [refused](const Reply &reply) {
            if (!reply.ok())
                refused(reply.error);
        },
        refused);
    return true;
}

std::optional<QFuture<bool>> RemoteConsoleServer::deleteSession(const QUuid &) {
    return std::nullopt;
}

SessionArchive *RemoteConsoleServer::archive() const {
    return m_archive;
}

QString RemoteConsoleServer::llmDescription() const {
    return m_status.value(u"llm"_s).toObject().value(u"description"_s).toString();
}

void RemoteConsoleServer::requestStatus() {
    whenFinished(
        this, m_client->get(u"/api/admin/status"_s),
        [this](const Reply &reply) {
            if (!reply.ok()) { // the feed tells when the server is gone
                qCWarning(lcUi).noquote() << "remote status:" << reply.error;
                return;
            }
            if (m_state == State::Running)
                applyStatus(reply.body);
        },
        [](const QString &error) { qCWarning(lcUi).noquote() << "remote status:" << error; });
}

void RemoteConsoleServer::applyStatus(const QJsonObject &status) {
    m_status = status;
    if (const int connections = status.value(u"connections"_s).toInt();
        connections != m_connections) {
        m_connections = connections;
        Q_EMIT connectionCountChanged(connections);
    }
    applyReadiness(status);
    applyMetrics(status.value(u"metrics"_s).toObject());
    m_archive->setHealth(status.value(u"database"_s).toObject().value(u"healthy"_s).toBool(),
                         m_readiness->problem(Readiness::Part::Database));
}

void RemoteConsoleServer::applyReadiness(const QJsonObject &status) {
    QString server;
    QString database;
    for (const QJsonValue &reason : status.value(u"reasons"_s).toArray()) {
        const QString text = reason.toString();
        if (text.startsWith(u"server: "_s))
            server = text.mid(8);
        else if (text.startsWith(u"database: "_s))
            database = text.mid(10);
    }
    m_readiness->setProblem(Readiness::Part::Server, server);
    m_readiness->setProblem(Readiness::Part::Database, database);
    const QJsonObject llm = status.value(u"llm"_s).toObject();
    const QString llmProblem = llm.value(u"problem"_s).toString();
    if (const QJsonValue ago = llm.value(u"checked_ago_s"_s); ago.isDouble())
        m_readiness->setChecked(Readiness::Part::Llm, llmProblem,
                                QDateTime::currentDateTimeUtc().addSecs(-ago.toInteger()));
    else
        m_readiness->setProblem(Readiness::Part::Llm, llmProblem);
}

void RemoteConsoleServer::applyMetrics(const QJsonObject &metrics) {
    // Counters only rise here: a remote restart (its counters from 0 again) adds nothing until
    // they passed what was seen.
    const auto raise = [this](const QString &name, double to, const MetricLabels &labels) {
        const double by = to - m_metrics->value(name, labels);
        if (by > 0)
            m_metrics->increment(name, labels, by);
    };
    const QJsonObject turns = metrics.value(u"turns_by_outcome"_s).toObject();
    for (auto it = turns.constBegin(); it != turns.constEnd(); ++it)
        raise(Turns, it.value().toDouble(), {{u"outcome"_s, it.key()}});
    raise(TokensStreamed, metrics.value(u"tokens_streamed_total"_s).toDouble(), {});
    m_metrics->set(LlmInFlight, metrics.value(u"llm_requests_in_flight"_s).toDouble());
    m_metrics->set(LlmWaiting, metrics.value(u"llm_requests_waiting"_s).toDouble());
    m_metrics->set(DatabaseQueue, metrics.value(u"database_queue_depth"_s).toDouble());
}

void RemoteConsoleServer::openFeed() {
    m_feed = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    connect(m_feed, &QWebSocket::textMessageReceived, m_reader, &AdminFeedReader::read);
    connect(m_feed, &QWebSocket::disconnected, this, &RemoteConsoleServer::onFeedLost);
    m_feed->open(m_client->feedRequest());
}

void RemoteConsoleServer::onFeedLost() {
    const QString reason = m_feed->closeReason();
    const QString error =
        reason.isEmpty()
            ? tr("The connection to %1 was lost (%2).")
                  .arg(m_client->url().toString(), m_feed->errorString())
            : tr("The server closed the feed (%1): %2").arg(int(m_feed->closeCode())).arg(reason);
    qCWarning(lcUi).noquote() << "remote server" << m_client->url().toString() << ":" << error;
    const State was = m_state;
    closeFeed();
    m_state = State::Stopped;
    if (was == State::Starting) {
        Q_EMIT startFailed(error);
        return;
    }
    m_statusTimer.stop();
    Q_EMIT errorOccurred(error);
    Q_EMIT stopped();
}

void RemoteConsoleServer::closeFeed() {
    m_statusTimer.stop();
    if (m_feed) {
        m_feed->disconnect(this);
        m_feed->disconnect(m_reader);
        m_feed->close();
        m_feed->deleteLater();
        m_feed = nullptr;
    }
    m_reader->clear();
}
