#include "llm/LlmEndpointClaim.h"

#include "llm/LlmCircuitBreaker.h"
#include "llm/LlmClient.h"

LlmEndpointClaim::LlmEndpointClaim(LlmClient *client, LlmPriority priority)
    : m_client(client)
    , m_priority(priority) {
    if (client)
        m_ticket = client->queue()->newTicket();
}

LlmEndpointClaim::~LlmEndpointClaim() {
    release();
}

LlmEndpointClaim::Answer LlmEndpointClaim::ask(QObject *context, std::function<void()> onGranted) {
    LlmCircuitBreaker *breaker = m_client->breaker();
    if (const qint64 pausedMs = breaker->pausedForMs(); pausedMs > 0)
        return {Answer::Kind::Paused, pausedMs, {}};
    const LlmCircuitBreaker::Verdict verdict = breaker->admit();
    if (!verdict.allowed)
        return {Answer::Kind::Refused, verdict.retryInMs, verdict.reason};
    m_isProbe = verdict.probe;
    m_client->queue()->request(m_ticket, m_priority, context, std::move(onGranted));
    return {};
}

void LlmEndpointClaim::release() {
    if (!m_client)
        return;
    m_client->queue()->release(m_ticket);
    if (m_isProbe) {
        m_isProbe = false;
        m_client->breaker()->abandonProbe();
    }
}

void LlmEndpointClaim::recordAnswer(int httpStatus) {
    if (!m_client || httpStatus == 0 || httpStatus == 429 || httpStatus >= 500)
        return; // overload and server errors count as failures when the attempt fails
    m_isProbe = false;
    m_client->breaker()->recordSuccess(); // any other answer: the endpoint is up
}

void LlmEndpointClaim::recordFailure(const LlmError &error) {
    using Kind = LlmError::Kind;
    const bool endpointFault = error.kind == Kind::Unavailable || error.kind == Kind::Timeout ||
                               (error.kind == Kind::RateLimited && error.retryable);
    if (!endpointFault || !m_client)
        return;
    m_isProbe = false;
    m_client->breaker()->recordFailure(error.message);
}

void LlmEndpointClaim::pauseEndpoint(qint64 ms) {
    if (m_client)
        m_client->breaker()->pauseFor(ms);
}

int LlmEndpointClaim::capacity() const {
    return m_client ? m_client->queue()->capacity() : 0;
}
