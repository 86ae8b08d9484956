#pragma once

#include "llm/ChatRequest.h"
#include "llm/LlmPriority.h"
#include "llm/LlmSettings.h"

#include <QObject>
#include <QUrl>

class LlmCircuitBreaker;
class LlmNetworkPool;
class LlmRequestQueue;
class LlmStream;

// Streams OpenAI Chat Completions from OpenAI or any compatible server. Every stream of one
// client shares its endpoint's request queue (at most settings().maxConnections in flight),
// its circuit breaker and its pool of network managers. A client lives on one thread; clients on
// other threads share its queue and breaker (the sharing constructor), each with its own
// network managers, which belong to their thread.
class LlmClient : public QObject {
    Q_OBJECT
public:
    explicit LlmClient(const LlmSettings &settings, QObject *parent = nullptr);
    // A client with `shared`'s settings (and their later changes), request queue and circuit
    // breaker, to be moved to another thread; `shared` must outlive it.
    explicit LlmClient(LlmClient *shared, QObject *parent = nullptr);
    ~LlmClient() override; // ends every stream still running with Unavailable

    // Used by streams started afterwards; the connection cap and breaker settings at once.
    void setSettings(const LlmSettings &settings);
    LlmSettings settings() const;
    // false: no base URL; every stream then fails with Unavailable and how to configure one.
    bool isConfigured() const;

    // Starts one request on the next event loop iteration, so signals can be connected first.
    // The stream belongs to `parent`.
    LlmStream *stream(const ChatRequest &request, QObject *parent,
                      LlmPriority priority = LlmPriority::Interactive);

    LlmRequestQueue *queue() const { return m_queue; }
    LlmCircuitBreaker *breaker() const { return m_breaker; }
    LlmNetworkPool *network() const { return m_network; }

    // {base}/chat/completions; a base with an empty path gets /v1, a trailing slash is ignored.
    static QUrl completionsUrl(const QUrl &baseUrl);

    // Called by a stream whose attempt got no HTTP answer at all.
    void noteConnectionFailure() { Q_EMIT connectionFailed(); }

Q_SIGNALS:
    void settingsChanged(const LlmSettings &settings);
    void shuttingDown();
    // An attempt could not connect to the endpoint, or got no answer: a hint to check its health.
    void connectionFailed();

private:
    LlmSettings m_settings;
    LlmRequestQueue *m_queue;
    LlmCircuitBreaker *m_breaker;
    LlmNetworkPool *m_network;
};
