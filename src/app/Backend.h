#pragma once

#include "chat/SummaryScheduler.h"
#include "core/Config.h"
#include "llm/LlmEndpoint.h"
#include "server/ConnectionWatchdog.h"
#include "server/JwksSource.h"
#include "server/NetworkThread.h"
#include "server/SessionSocket.h"
#include "server/UsageLimits.h"
#include "ui/ConsoleServer.h"

#include <QList>
#include <QUrl>
#include <QUuid>

class Authenticator;
class DatabaseArchive;
class HttpServer;
class LlmClient;
class LlmEndpointProbe;
class LocalModel;
class MetricsRegistry;
class Readiness;
class SessionRouter;
class Summarizer;

// The whole server of one process, built from a Config: the database (and its thread), the LLM
// client, the metrics, the HTTP + WebSocket server on one port, the network threads with the
// live sessions (each with its own LLM client sharing the endpoint's queue and breaker, and a
// tool registry with the built-in tools) and the durable summary scheduler: the composition root
// of the headless mode (src/app/main.cpp) and of the desktop console, which drives it as a
// ConsoleServer. Lives on the main thread.
//
// Lifecycle: construct → start() → started(url) | startFailed(message) … stop() → stopped().
// A Backend can be started once.
class Backend : public ConsoleServer {
    Q_OBJECT

public:
    explicit Backend(const Config &config, QObject *parent = nullptr);
    // What the console makes its servers with.
    static ConsoleServer::Factory factory();
    // Without a graceful stop(): open sockets are dropped; the database still flushes its queue.
    ~Backend() override;

    // Opens the database (migrating it, registering this instance's lease), listens on
    // config.host:config.port (port 0: any free port), then ends sessions left open by
    // instances that are gone and claims pending summaries (again every heartbeat). Emits
    // started(url) when serving, or startFailed(message) (the object then is Stopped).
    void start() override;
    // Graceful shutdown: stops accepting connections, cancels turns in flight (their partial
    // replies are stored as interrupted), ends every session (end_time stored; their summaries
    // are made at the next start), closes every WebSocket with 1001 and flushes the database.
    // Emits stopped() when done, within about 4 s. Calling it again does nothing.
    void stop() override;

    State state() const override { return m_state; }
    // http://host:port with the port actually bound; empty before started().
    QUrl url() const override;
    quint16 port() const { return m_port; }
    const Config &config() const override { return m_config; }

    // Live sessions (in memory: connected, or finishing a turn after their client left).
    QList<QUuid> sessionIds() const override;
    ConversationFeed *conversation(const QUuid &sessionId) const override; // nullptr: not live
    // The console follows live sessions through ConversationFeeds (the default); the headless
    // server turns them off, so that no session event crosses to the main thread.
    void setConsoleFeeds(bool enabled);
    int networkThreads() const;
    SessionRouter *sessions() const { return m_sessions; }
    QString sessionUserId(const QUuid &sessionId) const override;
    int connectionCount() const override;
    // Ends a live session for the console: its running turn is cancelled (partial reply kept),
    // its client is closed with 1000 "session ended by the operator", end_time is stored and its
    // summary scheduled. False when the session is not live.
    bool endSession(const QUuid &sessionId) override;
    std::optional<QFuture<bool>> deleteSession(const QUuid &sessionId) override;
    QString controlRefusal() const override { return {}; } // this process's own console may

    // The parts, for the console and tests. Owned by the Backend.
    Database *database() const { return m_database; }
    SessionArchive *archive() const override;
    LlmClient *llm() const { return m_llm; }
    // The bundled llama-server when it answers this Backend's turns (no API key or base URL was
    // configured and it is installed); else nullptr. Started by start(), stopped with the Backend.
    LocalModel *localModel() const override { return m_localModel; }
    // Checks that the configured LLM server answers (llm/probe_interval_s); nullptr for the
    // local model, with no LLM, or with checks off.
    LlmEndpointProbe *llmProbe() const { return m_probe; }
    MetricsRegistry *metrics() const override { return m_metrics; }
    SummaryScheduler *summaries() const override { return m_summaries; }
    const Readiness *readiness() const override { return m_readiness; }
    QString llmDescription() const override;

    // Tuning for tests and benchmarks; call before start().
    void setSocketLimits(const SessionSocket::Limits &limits);
    void setConnectionSettings(const ConnectionWatchdog::Settings &settings);
    // Its pollIntervalMs and recoveryGraceMs follow the lease settings of the Config.
    void setSummarySettings(const SummaryScheduler::Settings &settings);
    void setJwksSettings(const JwksSource::Settings &settings);

private:
    // What each network thread serves its sessions with.
    NetworkThread::Parts makeNetworkThreadParts(QObject *home);
    void setUpLocalModel();
    void setUpProbe();
    void updateProbeReadiness();
    void startLocalModel();
    void useLocalModelAt(const QUrl &baseUrl); // where LlmClient sends its requests
    void updateLlmReadiness();
    void updateDatabaseReadiness(bool healthy, const QString &reason);
    // Reads the JWKS (when one is configured) before listening: a file that cannot be used
    // stops the start; a URL that does not answer is retried while serving.
    void loadKeys();
    void listen();
    void finishStop();

    LlmEndpoint m_endpoint;
    Config m_config;
    State m_state = State::Idle;
    quint16 m_port = 0;
    Readiness *m_readiness;
    Database *m_database;
    DatabaseArchive *m_archive;
    LlmClient *m_llm;
    LocalModel *m_localModel = nullptr;
    LlmEndpointProbe *m_probe = nullptr;
    MetricsRegistry *m_metrics;
    Summarizer *m_summarizer;
    SummaryScheduler *m_summaries;
    Authenticator *m_authenticator;
    UsageLimits m_usage; // shared by every network thread
    SessionRouter *m_sessions = nullptr;
    HttpServer *m_http = nullptr;
    JwksSource *m_jwks = nullptr;
};
