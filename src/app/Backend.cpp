#include "app/Backend.h"

#include "app/ComponentSettings.h"
#include "chat/ConversationFeed.h"
#include "chat/SessionService.h"
#include "chat/Summarizer.h"
#include "core/FutureCallbacks.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "core/MetricsRegistry.h"
#include "core/Readiness.h"
#include "llm/LlmClient.h"
#include "llm/LlmEndpoint.h"
#include "llm/LlmEndpointProbe.h"
#include "llm/LlmFailures.h"
#include "llm/LocalModel.h"
#include "server/AdminFeed.h"
#include "server/Authenticator.h"
#include "server/ExposurePolicy.h"
#include "server/HttpServer.h"
#include "server/Protocol.h"
#include "server/ServerMetrics.h"
#include "server/SessionManager.h"
#include "server/SessionRouter.h"
#include "storage/Database.h"
#include "storage/StorageError.h"
#include "tools/ToolRegistry.h"
#include "ui/DatabaseArchive.h"

#include <QDir>
#include <QHostAddress>
#include <QPromise>
#include <QThread>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {

constexpr int kFlushWaitMs = 1500;

// The config with the LLM source the endpoint decided (the local model, when it stands in).
Config withSource(Config config, const LlmEndpoint &endpoint) {
    config.llmSource = endpoint.source();
    return config;
}

} // namespace

Backend::Backend(const Config &config, QObject *parent)
    : ConsoleServer(parent)
    , m_endpoint(LlmEndpoint::resolve(config))
    , m_config(withSource(config, m_endpoint))
    , m_readiness(new Readiness(this))
    , m_database(new Database(this))
    , m_archive(new DatabaseArchive(m_database, this))
    , m_llm(new LlmClient(m_endpoint.settings(), this))
    , m_metrics(new MetricsRegistry(this))
    , m_summarizer(new Summarizer(m_llm, this))
    , m_summaries(new SummaryScheduler(m_database, m_summarizer, this))
    , m_authenticator(new Authenticator(m_config.apiToken,
                                        !m_config.jwtSecret.isEmpty() || !m_config.jwks.isEmpty(),
                                        JwtVerifier(ComponentSettings::jwt(m_config)), this)) {
    ServerMetrics::describeAll(m_metrics);
    m_usage.setSettings(ComponentSettings::usageLimits(m_config));
    m_sessions = new SessionRouter(
        networkThreads(), [this](QObject *home) { return makeNetworkThreadParts(home); }, m_metrics,
        this);
    m_sessions->setFeedsEnabled(true);
    m_http = new HttpServer(m_database, m_metrics, m_sessions, m_readiness, this);
    setUpLocalModel();
    setUpProbe();
    ServerMetrics::observe(m_metrics, m_llm);
    ServerMetrics::observe(m_metrics, m_summaries);
    m_database->setLease(ComponentSettings::lease(m_config));
    ServerMetrics::observe(m_metrics, m_database);
    SummaryScheduler::Settings summarySettings;
    summarySettings.concurrency = m_config.summaryConcurrency;
    setSummarySettings(summarySettings);
    m_http->setAuthenticator(m_authenticator);
    if (!m_config.jwks.isEmpty()) {
        m_jwks = new JwksSource(m_config.jwks, this);
        connect(m_jwks, &JwksSource::loaded, m_authenticator, &Authenticator::setKeys);
        connect(m_authenticator, &Authenticator::unknownKeyPresented, m_jwks,
                &JwksSource::refreshSoon);
    }
    m_http->setConnectionSettings(ComponentSettings::connections(m_config));
    m_http->setAdminSettings(
        {m_config.adminAllowRemoteControl, [this] { return llmDescription(); }},
        m_config.maxClientBufferBytes);
    m_readiness->setProblem(Readiness::Part::Server, u"starting"_s);
    m_readiness->setProblem(Readiness::Part::Database, u"not open yet"_s);

    connect(m_sessions, &SessionRouter::sessionOpened, this, &Backend::sessionOpened);
    connect(m_sessions, &SessionRouter::sessionClosed, this, &Backend::sessionClosed);
    connect(m_sessions, &SessionRouter::connectionCountChanged, this,
            &Backend::connectionCountChanged);
    // Writes come from every network thread: the gauge reads the depth where they happen.
    connect(
        m_database, &Database::queueDepthChanged, m_metrics,
        [this] { m_metrics->set(ServerMetrics::DatabaseQueueDepth, m_database->queueDepth()); },
        Qt::DirectConnection);
    connect(m_database, &Database::healthChanged, this, &Backend::updateDatabaseReadiness);
    connect(m_summaries, &SummaryScheduler::summaryFailed, this,
            [this](const QUuid &, const QString &error, bool) {
                Q_EMIT errorOccurred(u"summary failed: %1"_s.arg(error));
            });
}

NetworkThread::Parts Backend::makeNetworkThreadParts(QObject *home) {
    NetworkThread::Parts parts;
    parts.llm = new LlmClient(m_llm, home);
    auto *tools = new ToolRegistry(home);
    tools->addBuiltinTools();
    parts.sessions = new SessionService(m_database, parts.llm, tools, m_summaries,
                                        ComponentSettings::chat(m_config, m_endpoint), home);
    parts.connections = new SessionManager(parts.sessions, parts.llm, m_metrics, &m_usage,
                                           ComponentSettings::socketLimits(m_config), home);
    parts.connections->setAuthenticator(m_authenticator);
    ServerMetrics::observe(m_metrics, parts.sessions);
    return parts;
}

int Backend::networkThreads() const {
    return m_config.threads > 0 ? m_config.threads : std::max(1, QThread::idealThreadCount());
}

void Backend::setConsoleFeeds(bool enabled) {
    m_sessions->setFeedsEnabled(enabled);
}

ConsoleServer::Factory Backend::factory() {
    return [](const Config &config, QObject *parent) -> ConsoleServer * {
        return new Backend(config, parent);
    };
}

Backend::~Backend() {
    // Sessions and sockets go before the database they write to.
    delete m_sessions;
    delete m_http;
    delete m_summaries;
}

void Backend::updateDatabaseReadiness(bool healthy, const QString &reason) {
    m_metrics->set(ServerMetrics::DatabaseHealthy, healthy ? 1 : 0);
    if (healthy) {
        qCInfo(lcStorage).noquote() << "database usable again";
        m_readiness->setProblem(Readiness::Part::Database, {});
        return;
    }
    qCWarning(lcStorage).noquote() << "database not usable:" << reason;
    m_readiness->setProblem(Readiness::Part::Database,
                            u"not usable (%1: %2); check DATABASE_URL and that the database "
                            "server is running"_s.arg(m_database->backendName(), reason));
    Q_EMIT errorOccurred(u"database: %1"_s.arg(reason));
}

void Backend::setUpLocalModel() {
    if (m_endpoint.source() == LlmEndpoint::Source::None) {
        m_readiness->setProblem(Readiness::Part::Llm, m_endpoint.problem());
        return;
    }
    if (m_endpoint.source() != LlmEndpoint::Source::LocalModel)
        return;
    m_localModel = new LocalModel(m_endpoint.localModel(), this);
    connect(m_localModel, &LocalModel::stateChanged, this, &Backend::updateLlmReadiness);
    connect(m_localModel, &LocalModel::baseUrlChanged, this, &Backend::useLocalModelAt);
    updateLlmReadiness();
}

void Backend::setUpProbe() {
    if (m_endpoint.source() == LlmEndpoint::Source::None ||
        m_endpoint.source() == LlmEndpoint::Source::LocalModel)
        return; // no LLM to check; the local model reports its own state
    const LlmSettings settings = m_endpoint.settings();
    if (const std::optional<LlmError> error = LlmFailures::forBaseUrl(
            settings.baseUrl, LlmClient::completionsUrl(settings.baseUrl))) {
        m_readiness->setProblem(Readiness::Part::Llm, error->message);
        return;
    }
    if (m_config.llmProbeIntervalS <= 0)
        return;
    m_probe = new LlmEndpointProbe(settings.baseUrl, settings.apiKey, this);
    m_probe->setIntervalMs(m_config.llmProbeIntervalS * 1000);
    m_probe->setCaFile(settings.caFile);
    m_probe->setTimeoutMs(settings.connectTimeoutMs > 0 ? settings.connectTimeoutMs : 10000);
    m_readiness->setProblem(
        Readiness::Part::Llm,
        LlmFailures::endpointNotCheckedYet(settings.baseUrl.toDisplayString(QUrl::RemoveUserInfo)));
    connect(m_probe, &LlmEndpointProbe::checked, this, &Backend::updateProbeReadiness);
    connect(m_llm, &LlmClient::connectionFailed, m_probe, &LlmEndpointProbe::checkSoon);
    m_sessions->forEachThread([probe = m_probe](const NetworkThread::Parts &parts) {
        connect(parts.llm, &LlmClient::connectionFailed, probe, &LlmEndpointProbe::checkSoon);
    });
}

void Backend::updateProbeReadiness() {
    const LlmEndpointProbe::Result result = m_probe->lastResult();
    const std::optional<Readiness::Check> before = m_readiness->lastCheck(Readiness::Part::Llm);
    const QString shown = m_endpoint.settings().baseUrl.toDisplayString(QUrl::RemoveUserInfo);
    if (result.isReachable()) {
        if (!before || !before->passed)
            qCInfo(lcLlm).noquote() << "the LLM server at" << shown << "answers";
    } else if (!before || m_readiness->problem(Readiness::Part::Llm) != result.problem) {
        qCWarning(lcLlm).noquote()
            << result.problem << "- until it answers, turns fail with llm_unavailable";
    }
    m_readiness->setChecked(Readiness::Part::Llm, result.problem);
}

void Backend::startLocalModel() {
    m_localModel->start();
    useLocalModelAt(m_localModel->baseUrl());
    qCInfo(lcLlm).noquote() << "LLM: the bundled local model" << m_localModel->modelName() << "at"
                            << m_localModel->baseUrl().toString();
}

void Backend::useLocalModelAt(const QUrl &baseUrl) {
    LlmSettings settings = m_llm->settings();
    settings.baseUrl = baseUrl;
    settings.model = m_localModel->modelName();
    m_llm->setSettings(settings); // and so every network thread's
}

void Backend::updateLlmReadiness() {
    if (!m_localModel)
        return;
    const LocalModel::State state = m_localModel->state();
    if (state == LocalModel::State::Ready) {
        m_readiness->setProblem(Readiness::Part::Llm, {});
        return;
    }
    const QString reason = m_localModel->reason();
    m_readiness->setProblem(
        Readiness::Part::Llm,
        u"the local model is %1%2"_s.arg(LocalModel::stateName(state),
                                         reason.isEmpty() ? QString() : u": "_s + reason));
}

void Backend::setSocketLimits(const SessionSocket::Limits &limits) {
    m_sessions->forEachThread(
        [limits](const NetworkThread::Parts &parts) { parts.connections->setLimits(limits); });
}

void Backend::setConnectionSettings(const ConnectionWatchdog::Settings &settings) {
    m_http->setConnectionSettings(settings);
}

void Backend::setSummarySettings(const SummaryScheduler::Settings &settings) {
    SummaryScheduler::Settings withLease = settings;
    withLease.pollIntervalMs = m_database->lease().heartbeatMs;
    withLease.recoveryGraceMs = m_database->recoveryGraceMs();
    m_summaries->setSettings(withLease);
}

void Backend::setJwksSettings(const JwksSource::Settings &settings) {
    if (m_jwks)
        m_jwks->setSettings(settings);
}

void Backend::start() {
    if (m_state != State::Idle)
        return;
    m_state = State::Starting;
    if (!m_config.dataDir.isEmpty())
        QDir().mkpath(m_config.dataDir);
    if (!m_localModel && !m_llm->isConfigured()) {
        qCWarning(lcLlm).noquote() << LlmFailures::notConfigured().message
                                   << "- until then every turn answers llm_unavailable";
    }
    if (m_probe)
        m_probe->start();
    whenFinished(
        this, m_database->open(m_config.databaseUrl),
        [this] {
            qCInfo(lcStorage).noquote() << "database open:" << m_database->backendName();
            loadKeys();
        },
        [this](const QString &error) {
            const QString message = u"cannot open the database: %1"_s.arg(error);
            m_state = State::Stopped;
            qCCritical(lcStorage).noquote() << message;
            Q_EMIT startFailed(message);
        });
}

void Backend::loadKeys() {
    if (!m_jwks) {
        listen();
        return;
    }
    auto first = std::make_shared<QList<QMetaObject::Connection>>();
    auto done = [first] {
        for (const QMetaObject::Connection &connection : std::as_const(*first))
            disconnect(connection);
    };
    first->append(connect(m_jwks, &JwksSource::loaded, this, [this, done] {
        done();
        listen();
    }));
    first->append(connect(m_jwks, &JwksSource::failed, this, [this, done](const QString &error) {
        done();
        if (m_jwks->isRemote()) {
            listen();
            return;
        }
        const QString message = u"cannot use the JWKS (RTAI_JWKS): %1"_s.arg(error);
        m_state = State::Stopped;
        qCCritical(lcServer).noquote() << message;
        Q_EMIT startFailed(message);
    }));
    m_jwks->start();
}

void Backend::listen() {
    if (m_state != State::Starting)
        return;
    // main() refuses this at start; the console can get here with settings changed since.
    if (const QString refusal = ExposurePolicy::refusal(m_config); !refusal.isEmpty()) {
        m_state = State::Stopped;
        Q_EMIT startFailed(refusal);
        return;
    }
    QHostAddress address;
    if (m_config.host == u"localhost")
        address = QHostAddress(QHostAddress::LocalHost);
    else if (!address.setAddress(m_config.host)) {
        m_state = State::Stopped;
        Q_EMIT startFailed(u"cannot listen on %1: not an IP address; use e.g. "
                           "127.0.0.1 or 0.0.0.0"_s.arg(m_config.host));
        return;
    }
    m_port = m_http->listenOn(address, m_config.port);
    if (m_port == 0) {
        m_state = State::Stopped;
        Q_EMIT startFailed(u"cannot listen on %1:%2: the port is in use or not "
                           "allowed; choose another with --port"_s.arg(m_config.host)
                               .arg(m_config.port));
        return;
    }
    const HostPolicy hosts(m_config.host, m_config.allowedHosts);
    m_http->setRequestGuard(
        RequestGuard(hosts, OriginPolicy(hosts.names(), m_port, m_config.allowedOrigins)));
    m_readiness->setProblem(Readiness::Part::Server, {});
    if (m_localModel)
        startLocalModel();
    m_summaries->start();
    m_state = State::Running;
    qCInfo(lcServer).noquote() << "server started at" << url().toString();
    if (const QString warning = ExposurePolicy::warning(m_config); !warning.isEmpty())
        qCWarning(lcServer).noquote() << warning;
    Q_EMIT started(url());
}

void Backend::stop() {
    if (m_state == State::Stopping || m_state == State::Stopped)
        return;
    if (m_state != State::Running) {
        m_state = State::Stopped;
        QMetaObject::invokeMethod(this, &Backend::stopped, Qt::QueuedConnection);
        return;
    }
    m_state = State::Stopping;
    qCInfo(lcServer) << "stopping";
    m_http->stopListening();
    m_readiness->setProblem(Readiness::Part::Server, u"shutting down"_s);
    m_summaries->stop();
    connect(m_sessions, &SessionRouter::shutdownFinished, this, [this] {
        // After the sessions' last frames (session_closed).
        m_http->adminFeed()->closeAll(Protocol::CloseGoingAway, u"server shutting down"_s);
        auto *deadline = new QTimer(this);
        deadline->setSingleShot(true);
        connect(deadline, &QTimer::timeout, this, [this] {
            qCWarning(lcStorage) << "database flush did not finish in time";
            finishStop();
        });
        deadline->start(kFlushWaitMs);
        whenFinished(
            this, m_database->flush(), [this] { finishStop(); },
            [this](const QString &) { finishStop(); });
    });
    m_sessions->shutdown();
}

void Backend::finishStop() {
    if (m_state == State::Stopped)
        return;
    m_state = State::Stopped;
    if (m_localModel)
        m_localModel->stop();
    if (m_probe)
        m_probe->stop();
    qCInfo(lcServer) << "stopped";
    Q_EMIT stopped();
}

QUrl Backend::url() const {
    if (m_port == 0)
        return {};
    QUrl url;
    url.setScheme(u"http"_s);
    url.setHost(m_config.host);
    url.setPort(m_port);
    return url;
}

SessionArchive *Backend::archive() const {
    return m_archive;
}

QString Backend::llmDescription() const {
    return m_endpoint.description();
}

QList<QUuid> Backend::sessionIds() const {
    return m_sessions->sessionIds();
}

ConversationFeed *Backend::conversation(const QUuid &sessionId) const {
    return m_sessions->feed(sessionId);
}

QString Backend::sessionUserId(const QUuid &sessionId) const {
    return m_sessions->userId(sessionId);
}

int Backend::connectionCount() const {
    return m_sessions->connectionCount();
}

bool Backend::endSession(const QUuid &sessionId) {
    return m_sessions->endSession(sessionId, u"session ended by the operator"_s);
}

std::optional<QFuture<bool>> Backend::deleteSession(const QUuid &sessionId) {
    if (m_sessions->isLive(sessionId))
        return std::nullopt;
    auto deleted = std::make_shared<QPromise<bool>>();
    deleted->start();
    whenFinished(
        this, m_sessions->remove(sessionId),
        [deleted, sessionId](SessionRouter::Removal removal) {
            if (removal == SessionRouter::Removal::Live)
                deleted->setException(
                    StorageError(u"session %1 went live again; end it before deleting it"_s.arg(
                        Ids::toText(sessionId))));
            else
                deleted->addResult(removal == SessionRouter::Removal::Deleted);
            deleted->finish();
        },
        [deleted](const QString &error) {
            deleted->setException(StorageError(error));
            deleted->finish();
        });
    return deleted->future();
}
