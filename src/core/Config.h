#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

// Everything the program can be configured with, after precedence has been applied
// (command line > environment and .env > config file > defaults). Names in PROTOCOL.md.
struct Config {
    bool headless = false;
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 8000;
    int threads = 0; // network threads for WebSocket sessions; 0: one per core

    QString dataDir;     // where the default SQLite database and caches live
    QString databaseUrl; // postgresql://… or sqlite:///…; defaults to SQLite in dataDir

    QString llmBaseUrl; // empty: no provider configured (see llmSource)
    QString llmModel = QStringLiteral("gpt-4o-mini");
    QString llmApiKey;
    QString localModelPath; // a GGUF file for the bundled llama-server; empty: the default one
    // US dollars per million prompt:completion tokens per model, for the console's cost column
    // (core/ModelPrices).
    QString llmPrices = QStringLiteral("gpt-4o-mini=0.15:0.60");

    QString apiToken; // when set, REST and WebSocket clients must present it
    // JWTs (README, "Security"): with a secret or a JWKS, clients need a valid token (or the
    // API token) and each one's verified user claim is its user id.
    QString jwtSecret;   // HS256 (Supabase's JWT secret)
    QString jwks;        // a JWKS file or http(s) URL: RS256 / ES256 keys
    QString jwtIssuer;   // required iss; empty: not checked
    QString jwtAudience; // required aud; empty: not checked
    QString jwtUserClaim = QStringLiteral("sub");
    QString jwtAdminRole;        // a JWT whose role claim is this sees every user; empty: none
    bool allowAnonymous = false; // serve a non-loopback host without authentication
    QStringList allowedOrigins;  // scheme://host[:port] of pages that may connect (and get CORS)
    QStringList allowedHosts;    // Host names the server answers as, besides the loopback ones
    QString systemPrompt = QStringLiteral(
        "You are a helpful, concise assistant in a realtime chat. Use the tools you are given "
        "when they help (for example shipping costs, arithmetic, the current time); never "
        "invent a tool result. Answer in Markdown.");

    int maxMessageBytes = 32 * 1024;       // one user message, in UTF-8 bytes
    int maxQueuedMessages = 8;             // user messages waiting while a turn runs
    int maxToolSteps = 5;                  // LLM rounds with tool calls in one turn
    int maxConnectionsPerUser = 32;        // open session connections of one user; 0: no limit
    int maxMessagesPerMinute = 120;        // user messages a minute, per user; 0: no limit
    int maxAddressMessagesPerMinute = 600; // the same per client address (loopback: no limit)
    int maxTokensPerDay = 0;               // LLM tokens a day, per user; 0: no limit
    int maxAddressTokensPerDay = 0;        // the same per client address (loopback: no limit)
    int llmMaxConnections = 0;             // LLM requests in flight at once; 0: automatic
    int llmProbeIntervalS = 30;            // how often GET {base}/models checks the LLM; 0: off
    int summaryConcurrency = 32;           // session summaries requested at once
    int leaseHeartbeatS = 5;               // how often this instance renews its lease
    int leaseExpiryS = 20;                 // a lease not renewed this long: the instance is gone
    int leaseListen = 1; // 1: LISTEN for takeovers (PostgreSQL); 0 behind a transaction pooler
    // Output a WebSocket client may leave unread before it is closed with 4008.
    int maxClientBufferBytes = 256 * 1024;
    // The HTTP version to the LLM (auto, 1.1 or 2), and PEM certificates trusted for https LLM
    // endpoints besides the system's.
    QString llmHttp = QStringLiteral("auto");
    QString llmCaFile;

    int requestTimeoutS = 10;            // a whole HTTP request must arrive within this
    int handshakeTimeoutS = 10;          // an accepted WebSocket upgrade must finish within this
    int idleTimeoutS = 60;               // a kept-alive HTTP connection with no traffic
    int pingIntervalS = 30;              // WebSocket pings; 0: none
    int pingTimeoutS = 15;               // no answer to a ping within this: the peer is gone
    int maxConnectionsPerAddress = 256;  // open connections from one address; 0: no cap
    int maxLoopbackConnections = 20'000; // the same, from a loopback address
    // The admin API's writing actions (ending a session) for the admin credential; off: read-only.
    bool adminAllowRemoteControl = false;

    QString logLevel = QStringLiteral("info");
    QString configFile; // the QSettings file read (and written by the console)
    // Config file keys whose value came from the command line or the environment instead:
    // key → the option (--port) or variable (RTAI_PORT) that set it.
    QHash<QString, QString> overrides;

    // Where the LLM base URL came from, decided once at load time.
    enum class LlmSource { Explicit, OpenAi, LocalModel, None };
    LlmSource llmSource = LlmSource::None;
};
