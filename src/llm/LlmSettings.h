#pragma once

#include <QMetaType>
#include <QString>
#include <QUrl>

// The HTTP version spoken to the endpoint: Auto is HTTP/2 when an https endpoint offers it in
// ALPN (Qt's default), else HTTP/1.1; Http2 insists on it (no fallback; h2c with prior
// knowledge over plain http).
enum class LlmHttpVersion { Auto, Http1, Http2 };

// Where and how to reach an OpenAI-compatible Chat Completions server.
struct LlmSettings {
    // e.g. https://api.openai.com/v1 or http://127.0.0.1:11434 ("/v1" is added when the path is
    // empty; a trailing slash does not matter). Empty: no LLM configured.
    QUrl baseUrl;
    QString apiKey; // optional for local servers; never logged
    QString model;
    LlmHttpVersion http = LlmHttpVersion::Auto;
    QString caFile; // PEM certificates trusted besides the system's; empty: the system's only

    // Requests in flight at once to this endpoint; more wait for a slot (see LlmRequestQueue).
    int maxConnections = 2048;

    // Timeouts; 0 disables one.
    int queueTimeoutMs = 120000;     // waiting for a slot when maxConnections are in flight
    int connectTimeoutMs = 10000;    // until the request is sent (TCP + TLS)
    int firstTokenTimeoutMs = 60000; // from the request sent to the first delta of the reply
    int idleTimeoutMs = 30000;       // between two events of the reply after the first delta
    int maxRetries = 3;              // extra attempts for connection errors, 429 and 5xx
    int retryBaseDelayMs = 500;      // backoff: base * 2^attempt, with jitter
    // Shared by every request to the endpoint: failures in a row that open the circuit breaker
    // (0: never), and how long it stays open at first (doubling while probes fail).
    int breakerFailureThreshold = 5;
    int breakerOpenMs = 5000;
};
Q_DECLARE_METATYPE(LlmSettings)
