#include "server/ServerMetrics.h"

#include "core/MetricsRegistry.h"

namespace ServerMetrics {

void describeAll(MetricsRegistry *metrics) {
    using Type = MetricsRegistry::Type;
    metrics->describe(ActiveSessions, Type::Gauge, QStringLiteral("Sessions open in memory"));
    metrics->describe(WebSocketConnections, Type::Gauge,
                      QStringLiteral("Open WebSocket connections"));
    metrics->describe(WebSocketCloses, Type::Counter,
                      QStringLiteral("WebSocket connections closed, by close code"));
    metrics->describe(Turns, Type::Counter,
                      QStringLiteral("Finished turns by outcome (stop, length, cancelled, error)"));
    metrics->describe(TimeToFirstToken, Type::Histogram,
                      QStringLiteral("Time from a turn's start to its first streamed token"),
                      {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30});
    metrics->describe(TurnDuration, Type::Histogram, QStringLiteral("Duration of whole turns"),
                      {0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120});
    metrics->describe(TokensStreamed, Type::Counter,
                      QStringLiteral("Content deltas streamed to clients"));
    metrics->describe(ToolCalls, Type::Counter, QStringLiteral("Tool calls by tool and outcome"));
    metrics->describe(LlmErrors, Type::Counter, QStringLiteral("Failed turns by LLM error kind"));
    metrics->describe(DatabaseQueueDepth, Type::Gauge,
                      QStringLiteral("Writes queued for the database thread"));
    metrics->describe(DatabaseHealthy, Type::Gauge,
                      QStringLiteral("1 when the database is usable, else 0"));
    metrics->describe(HttpRequests, Type::Counter,
                      QStringLiteral("HTTP requests answered, by status code"));
    metrics->describe(Summaries, Type::Counter,
                      QStringLiteral("Session summaries by outcome (stored, empty, failed)"));
}

} // namespace ServerMetrics
