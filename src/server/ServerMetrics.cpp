#include "server/ServerMetrics.h"

#include "chat/Conversation.h"
#include "chat/SessionService.h"
#include "chat/SummaryScheduler.h"
#include "core/MetricsRegistry.h"
#include "llm/LlmCircuitBreaker.h"
#include "llm/LlmClient.h"
#include "llm/LlmRequestQueue.h"

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
    metrics->describe(LlmRequestsInFlight, Type::Gauge,
                      QStringLiteral("LLM requests holding one of the llm/max_connections slots"));
    metrics->describe(LlmRequestsWaiting, Type::Gauge,
                      QStringLiteral("LLM requests waiting for a free slot"));
    metrics->describe(LlmQueueWait, Type::Histogram,
                      QStringLiteral("Time LLM requests waited for a slot, by priority "
                                     "(interactive, background)"),
                      {0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120});
    metrics->describe(LlmCircuitState, Type::Gauge,
                      QStringLiteral("The LLM endpoint's circuit breaker: 0 closed, 1 open, "
                                     "2 half-open"));
}

void observe(MetricsRegistry *metrics, SessionService *sessions) {
    const auto countLive = [metrics, sessions] {
        metrics->set(ActiveSessions, double(sessions->sessionIds().size()));
    };
    QObject::connect(sessions, &SessionService::sessionClosed, metrics, countLive);
    QObject::connect(
        sessions, &SessionService::sessionOpened, metrics,
        [metrics, countLive](const QUuid &, const QString &, Conversation *conversation) {
            countLive();
            QObject::connect(conversation, &Conversation::contentDelta, metrics,
                             [metrics] { metrics->increment(TokensStreamed); });
            QObject::connect(
                conversation, &Conversation::toolFinished, metrics,
                [metrics](const QString &, const QString &tool, bool ok, const QJsonValue &) {
                    metrics->increment(ToolCalls,
                                       {{QStringLiteral("tool"), tool},
                                        {QStringLiteral("outcome"),
                                         ok ? QStringLiteral("ok") : QStringLiteral("error")}});
                });
            QObject::connect(
                conversation, &Conversation::turnFinished, metrics,
                [metrics](const TurnOutcome &outcome) {
                    metrics->increment(Turns, {{QStringLiteral("outcome"), outcome.finishReason}});
                    if (outcome.ttftMs >= 0)
                        metrics->observe(TimeToFirstToken, double(outcome.ttftMs) / 1000.0);
                    metrics->observe(TurnDuration, double(outcome.durationMs) / 1000.0);
                    if (outcome.finishReason == u"error")
                        metrics->increment(LlmErrors,
                                           {{QStringLiteral("kind"), outcome.errorCode}});
                });
        });
}

void observe(MetricsRegistry *metrics, SummaryScheduler *summaries) {
    const auto count = [metrics](const QString &outcome) {
        metrics->increment(Summaries, {{QStringLiteral("outcome"), outcome}});
    };
    QObject::connect(summaries, &SummaryScheduler::summaryStored, metrics,
                     [count](const QUuid &, const QString &summary) {
                         count(summary == SummaryScheduler::emptySessionSummary()
                                   ? QStringLiteral("empty")
                                   : QStringLiteral("stored"));
                     });
    QObject::connect(summaries, &SummaryScheduler::summaryFailed, metrics,
                     [count] { count(QStringLiteral("failed")); });
}

void observe(MetricsRegistry *metrics, LlmClient *llm) {
    QObject::connect(llm->queue(), &LlmRequestQueue::loadChanged, metrics,
                     [metrics](int inFlight, int waiting) {
                         metrics->set(LlmRequestsInFlight, inFlight);
                         metrics->set(LlmRequestsWaiting, waiting);
                     });
    QObject::connect(llm->queue(), &LlmRequestQueue::admitted, metrics,
                     [metrics](LlmPriority priority, qint64 waitedMs) {
                         const QString name = priority == LlmPriority::Interactive
                                                  ? QStringLiteral("interactive")
                                                  : QStringLiteral("background");
                         metrics->observe(LlmQueueWait, double(waitedMs) / 1000.0,
                                          {{QStringLiteral("priority"), name}});
                     });
    QObject::connect(llm->breaker(), &LlmCircuitBreaker::stateChanged, metrics,
                     [metrics](LlmCircuitBreaker::State state) {
                         metrics->set(LlmCircuitState, double(int(state)));
                     });
}

} // namespace ServerMetrics
