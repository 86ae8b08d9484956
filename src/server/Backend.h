#pragma once

#include "core/Config.h"
#include "server/SessionSocket.h"
#include "server/SummaryScheduler.h"

#include <QList>
#include <QObject>
#include <QUrl>
#include <QUuid>

class Conversation;
class Database;
class HttpServer;
class LlmClient;
class LocalModel;
class MetricsRegistry;
class SessionManager;
class Summarizer;
class ToolRegistry;

// The whole server of one process, built from a Config: the database (and its thread), the LLM
// client, the tool registry with the built-in tools, the metrics, the HTTP + WebSocket server on
// one port, the live sessions and the durable summary scheduler. Used by the headless mode
// (src/app/main.cpp) and by the desktop console. Main thread only.
//
// Lifecycle: construct → start() → started(url) | startFailed(message) … stop() → stopped().
// A Backend can be started once.
class Backend : public QObject {
    Q_OBJECT

public:
    enum class State { Idle, Starting, Running, Stopping, Stopped };
    Q_ENUM(State)

    explicit Backend(const Config &config, QObject *parent = nullptr);
    // Without a graceful stop(): open sockets are dropped; the database still flushes its queue.
    ~Backend() override;

    // Opens the database (migrating it), listens on config.host:config.port (port 0: any free
    // port), then ends sessions a crash left open and resumes pending summaries. Emits
    // started(url) when serving, or startFailed(message) (the object then is Stopped).
    void start();
    // Graceful shutdown: stops accepting connections, cancels turns in flight (their partial
    // replies are stored as interrupted), ends every session (end_time stored; their summaries
    // are made at the next start), closes every WebSocket with 1001 and flushes the database.
    // Emits stopped() when done, within about 4 s. Calling it again does nothing.
    void stop();

    State state() const { return m_state; }
    // http://host:port with the port actually bound; empty before started().
    QUrl url() const;
    quint16 port() const { return m_port; }
    const Config &config() const { return m_config; }

    // Live sessions (in memory: connected, or finishing a turn after their client left).
    QList<QUuid> sessionIds() const;
    Conversation *conversation(const QUuid &sessionId) const; // nullptr when not live
    QString sessionUserId(const QUuid &sessionId) const;
    int connectionCount() const;
    // Ends a live session for the console: its running turn is cancelled (partial reply kept),
    // its client is closed with 1000 "session ended by the operator", end_time is stored and its
    // summary scheduled. False when the session is not live.
    bool endSession(const QUuid &sessionId);

    // The parts, for the console and tests. Owned by the Backend.
    Database *database() const { return m_database; }
    LlmClient *llm() const { return m_llm; }
    // The bundled llama-server when it answers this Backend's turns (no API key or base URL was
    // configured and it is installed); else nullptr. Started by start(), stopped with the Backend.
    LocalModel *localModel() const { return m_localModel; }
    ToolRegistry *tools() const { return m_tools; }
    MetricsRegistry *metrics() const { return m_metrics; }
    SessionManager *sessions() const { return m_sessions; }
    SummaryScheduler *summaries() const { return m_summaries; }

    // Tuning for tests and benchmarks; call before start().
    void setSocketLimits(const SessionSocket::Limits &limits);
    void setSummarySettings(const SummaryScheduler::Settings &settings);

Q_SIGNALS:
    void started(const QUrl &url);
    void startFailed(const QString &message);
    void stopped();
    void sessionOpened(const QUuid &sessionId, const QString &userId, Conversation *conversation);
    void sessionClosed(const QUuid &sessionId);
    void connectionCountChanged(int count);
    // Something an operator should see (database lost, summary failed, …); the server goes on.
    void errorOccurred(const QString &message);

private:
    void setUpLocalModel();
    void startLocalModel();
    void useLocalModelAt(const QUrl &baseUrl); // where LlmClient sends its requests
    void updateLlmReadiness();
    void listen();
    void finishStop();

    Config m_config;
    State m_state = State::Idle;
    quint16 m_port = 0;
    Database *m_database;
    LlmClient *m_llm;
    LocalModel *m_localModel = nullptr;
    ToolRegistry *m_tools;
    MetricsRegistry *m_metrics;
    Summarizer *m_summarizer;
    SummaryScheduler *m_summaries;
    SessionManager *m_sessions;
    HttpServer *m_http;
};
