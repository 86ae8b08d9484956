#include "server/ServerMetrics.h"

#include "chat/Conversation.h"
#include "chat/SessionService.h"
#include "chat/SummaryScheduler.h"
#include "core/MetricsRegistry.h"
#include "llm/LlmCircuitBreaker.h"
#include "llm/LlmClient.h"
#include "llm/LlmRequestQueue.h"
#include "storage/Database.h"

using namespace Qt::StringLiterals;

namespace ServerMetrics {

void describeAll(MetricsRegistry *metrics) {
    using Type = MetricsRegistry::Type;
    metrics->describe(ActiveSessions, Type::Gauge, u"Sessions open in memory"_s);
    metrics->describe(WebSocketConnections, Type::Gauge, u"Open WebSocket connections"_s);
    metrics->describe(ThreadConnections, Type::Gauge,
                      u"Open WebSocket connections per network thread (label thread)"_s);
    metrics->describe(WebSocketCloses, Type::Counter,
                      u"WebSocket connections closed, by close code"_s);
    metrics->describe(SessionRepairs, Type::Counter,
                      u"Live sessions the consistency check found with no open connection "
                      "and ended (should stay 0)"_s);
    metrics->describe(Turns, Type::Counter,
                      u"Finished turns by outcome (stop, length, cancelled, error)"_s);
    metrics->describe(TimeToFirstToken, Type::Histogram,
                      u"Time from a turn's start to its first streamed token"_s,
                      {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30});
    metrics->describe(TurnDuration, Type::Histogram, u"Duration of whole turns"_s,
                      {0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120});
    metrics->describe(TokensStreamed, Type::Counter, u"Content deltas streamed to clients"_s);
    metrics->describe(ToolCalls, Type::Counter, u"Tool calls by tool and outcome"_s);
    metrics->describe(LlmErrors, Type::Counter, u"Failed turns by LLM error kind"_s);
    metrics->describe(DatabaseQueueDepth, Type::Gauge, u"Writes queued for the database thread"_s);
    metrics->describe(DatabaseHealthy, Type::Gauge, u"1 when the database is usable, else 0"_s);
    metrics->describe(HttpRequests, Type::Counter, u"HTTP requests answered, by status code"_s);
    metrics->describe(Summaries, Type::Counter,
                      u"Session summaries by outcome (stored, empty, failed)"_s);
    metrics->describe(LlmRequestsInFlight, Type::Gauge,
                      u"LLM requests holding one of the llm/max_connections slots"_s);
    metrics->describe(LlmRequestsWaiting, Type::Gauge, u"LLM requests waiting for a free slot"_s);
    metrics->describe(LlmQueueWait, Type::Histogram,
                      u"Time LLM requests waited for a slot, by priority "
                      "(interactive, background)"_s,
                      {0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120});
    metrics->describe(LlmCircuitState, Type::Gauge,
                      u"The LLM endpoint's circuit breaker: 0 closed, 1 open, "
                      "2 half-open"_s);
    metrics->describe(Connections, Type::Gauge,
                      u"Open TCP connections of the port (HTTP and WebSocket)"_s);
    metrics->describe(
        ConnectionsClosed, Type::Counter,
        u"Connections the server closed or refused, by reason (request_timeout, "
        "handshake_timeout, idle, keepalive, per_address_cap, bad_request, headers_too_large, "
        "http_version, protocol_error)"_s);
    metrics->describe(RateLimited, Type::Counter,
                      u"Connections and messages refused by the usage limits, by limit "
                      "(connections_per_user, messages_per_user, messages_per_address, "
                      "tokens_per_user, tokens_per_address)"_s);
    metrics->describe(InstanceInfo, Type::Gauge,
                      u"1, labelled with this process's instance id (the owner of its sessions "
                      "in the database)"_s);
    metrics->describe(OwnedSessions, Type::Gauge,
                      u"Live sessions the database names this instance the owner of, as of "
                      "its last lease renewal"_s);
}

void observe(MetricsRegistry *metrics, Database *database) {
    metrics->set(InstanceInfo, 1, {{u"instance_id"_s, database->instanceId()}});
    metrics->set(OwnedSessions, database->ownedSessions());
    QObject::connect(database, &Database::leaseRenewed, metrics,
                     [metrics](int owned) { metrics->set(OwnedSessions, owned); });
}

// Every network thread's service adds its own; the registry is safe from any thread, so these
// run where the signals are emitted.
void observe(MetricsRegistry *metrics, SessionService *sessions) {
    metrics->increment(ActiveSessions, {}, 0); // 0 from the start, not absent until the first
    QObject::connect(
        sessions, &SessionService::sessionClosed, metrics,
        [metrics] { metrics->increment(ActiveSessions, {}, -1); }, Qt::DirectConnection);
    QObject::connect(
        sessions, &SessionService::sessionOpened, metrics,
        [metrics](const QUuid &, const QString &, Conversation *conversation) {
            metrics->increment(ActiveSessions);
            QObject::connect(
                conversation, &Conversation::contentDelta, metrics,
                [metrics] { metrics->increment(TokensStreamed); }, Qt::DirectConnection);
            QObject::connect(
                conversation, &Conversation::toolFinished, metrics,
                [metrics](const QString &, const QString &tool, bool ok, const QJsonValue &) {
                    metrics->increment(
                        ToolCalls, {{u"tool"_s, tool}, {u"outcome"_s, ok ? u"ok"_s : u"error"_s}});
                },
                Qt::DirectConnection);
            QObject::connect(
                conversation, &Conversation::turnFinished, metrics,
                [metrics](const TurnOutcome &outcome) {
                    metrics->increment(Turns, {{u"outcome"_s, outcome.finishReason}});
                    if (outcome.ttftMs >= 0)
                        metrics->observe(TimeToFirstToken, double(outcome.ttftMs) / 1000.0);
                    metrics->observe(TurnDuration, double(outcome.durationMs) / 1000.0);
                    if (outcome.finishReason == u"error")
                        metrics->increment(LlmErrors, {{u"kind"_s, outcome.errorCode}});
                },
                Qt::DirectConnection);
        },
        Qt::DirectConnection);
}

void observe(MetricsRegistry *metrics, SummaryScheduler *summaries) {
    const auto count = [metrics](const QString &outcome) {
        metrics->increment(Summaries, {{u"outcome"_s, outcome}});
    };
    QObject::connect(summaries, &SummaryScheduler::summaryStored, metrics,
                     [count](const QUuid &, const QString &summary) {
                         count(summary == SummaryScheduler::emptySessionSummary() ? u"empty"_s
                                                                                  : u"stored"_s);
                     });
    QObject::connect(summaries, &SummaryScheduler::summaryFailed, metrics,
                     [count] { count(u"failed"_s); });
}

void observe(MetricsRegistry *metrics, LlmClient *llm) {
    // The queue and breaker are shared by every network thread; their signals come from each.
    LlmRequestQueue *queue = llm->queue();
    QObject::connect(
        queue, &LlmRequestQueue::loadChanged, metrics,
        [metrics, queue] {
            metrics->set(LlmRequestsInFlight, queue->inFlight());
            metrics->set(LlmRequestsWaiting, queue->waiting());
        },
        Qt::DirectConnection);
    QObject::connect(
        llm->queue(), &LlmRequestQueue::admitted, metrics,
        [metrics](LlmPriority priority, qint64 waitedMs) {
            const QString name =
                priority == LlmPriority::Interactive ? u"interactive"_s : u"background"_s;
            metrics->observe(LlmQueueWait, double(waitedMs) / 1000.0, {{u"priority"_s, name}});
        },
        Qt::DirectConnection);
    LlmCircuitBreaker *breaker = llm->breaker();
    QObject::connect(
        breaker, &LlmCircuitBreaker::stateChanged, metrics,
        [metrics, breaker] { metrics->set(LlmCircuitState, double(int(breaker->state()))); },
        Qt::DirectConnection);
}

} // namespace ServerMetrics
