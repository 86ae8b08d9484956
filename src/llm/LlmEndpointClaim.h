#pragma once

#include "llm/LlmError.h"
#include "llm/LlmPriority.h"
#include "llm/LlmRequestQueue.h"

#include <QPointer>
#include <QString>
#include <functional>

class LlmClient;

// One request's dealings with what its LlmClient shares among every request to the endpoint:
// a place in the LlmRequestQueue, the slot once granted, and what the endpoint did with each
// attempt, for the LlmCircuitBreaker. Owned by its LlmStream; main thread only.
class LlmEndpointClaim {
public:
    LlmEndpointClaim(LlmClient *client, LlmPriority priority);
    ~LlmEndpointClaim(); // releases
    LlmEndpointClaim(const LlmEndpointClaim &) = delete;
    LlmEndpointClaim &operator=(const LlmEndpointClaim &) = delete;

    struct Answer {
        enum class Kind { Queued, Paused, Refused };
        Kind kind = Kind::Queued;
        qint64 ms = 0;  // Paused: wait this long, then ask again; Refused: retry hint
        QString reason; // Refused: why the breaker is open
    };
    // Queued: `onGranted` runs on `context` when a slot is free (the same place in the line as
    // the first ask, for retries). Paused: the endpoint asked every client to wait. Refused: the
    // circuit breaker is open.
    Answer ask(QObject *context, std::function<void()> onGranted);
    // Gives the slot (or the place in the line) back; a half-open probe without an outcome lets
    // the next request probe.
    void release();

    void recordAnswer(int httpStatus);         // the endpoint answered with this status
    void recordFailure(const LlmError &error); // an attempt failed (only endpoint faults count)
    void pauseEndpoint(qint64 ms);             // the endpoint's Retry-After, for everyone

    bool isClientGone() const { return m_client.isNull(); }
    int capacity() const; // the endpoint's slots

private:
    QPointer<LlmClient> m_client;
    LlmPriority m_priority;
    LlmRequestQueue::Ticket m_ticket = 0;
    bool m_isProbe = false; // the breaker's half-open probe: its outcome closes or reopens it
};
