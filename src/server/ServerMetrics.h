#pragma once

#include <QString>

class Database;
class LlmClient;
class MetricsRegistry;
class SessionService;
class SummaryScheduler;

// Names of the metrics the server publishes on /metrics (Prometheus text format).
namespace ServerMetrics {

inline const QString ActiveSessions = QStringLiteral("rtai_active_sessions");
inline const QString WebSocketConnections = QStringLiteral("rtai_websocket_connections");
inline const QString ThreadConnections = QStringLiteral("rtai_network_thread_connections");
inline const QString WebSocketCloses = QStringLiteral("rtai_websocket_closes_total");
inline const QString SessionRepairs = QStringLiteral("rtai_session_repairs_total");
inline const QString Turns = QStringLiteral("rtai_turns_total");
inline const QString TimeToFirstToken = QStringLiteral("rtai_ttft_seconds");
inline const QString TurnDuration = QStringLiteral("rtai_turn_duration_seconds");
inline const QString TokensStreamed = QStringLiteral("rtai_tokens_streamed_total");
inline const QString ToolCalls = QStringLiteral("rtai_tool_calls_total");
inline const QString LlmErrors = QStringLiteral("rtai_llm_errors_total");
inline const QString DatabaseQueueDepth = QStringLiteral("rtai_database_queue_depth");
inline const QString DatabaseHealthy = QStringLiteral("rtai_database_healthy");
inline const QString HttpRequests = QStringLiteral("rtai_http_requests_total");
inline const QString Summaries = QStringLiteral("rtai_summaries_total");
inline const QString LlmRequestsInFlight = QStringLiteral("rtai_llm_requests_in_flight");
inline const QString LlmRequestsWaiting = QStringLiteral("rtai_llm_requests_waiting");
inline const QString LlmQueueWait = QStringLiteral("rtai_llm_queue_wait_seconds");
inline const QString LlmCircuitState = QStringLiteral("rtai_llm_circuit_state");
inline const QString Connections = QStringLiteral("rtai_connections");
inline const QString ConnectionsClosed = QStringLiteral("rtai_connections_closed_total");
inline const QString RateLimited = QStringLiteral("rtai_rate_limited_total");
inline const QString InstanceInfo = QStringLiteral("rtai_instance_info");
inline const QString OwnedSessions = QStringLiteral("rtai_owned_sessions");

// Declares every metric above with its type and help text, so each appears from the start.
void describeAll(MetricsRegistry *metrics);
// Keeps the LLM metrics (in flight, waiting, queue wait, circuit state) up to date.
void observe(MetricsRegistry *metrics, LlmClient *llm);
// Live sessions, and what their conversations do: turns, first-token times, tokens, tools.
void observe(MetricsRegistry *metrics, SessionService *sessions);
// Counts summaries by outcome.
void observe(MetricsRegistry *metrics, SummaryScheduler *summaries);
// This instance's id (rtai_instance_info) and the live sessions it owns, as of each renewal of
// its lease.
void observe(MetricsRegistry *metrics, Database *database);

} // namespace ServerMetrics
