#include "llm/LlmRequestQueue.h"

#include <algorithm>

LlmRequestQueue::LlmRequestQueue(int capacity, QObject *parent)
    : QObject(parent)
    , m_capacity(std::max(1, capacity)) {}

void LlmRequestQueue::setCapacity(int capacity) {
    m_capacity = std::max(1, capacity);
    admit();
}

LlmRequestQueue::Ticket LlmRequestQueue::newTicket() {
    return m_nextTicket++;
}

void LlmRequestQueue::request(Ticket ticket, LlmPriority priority, QObject *context,
                              std::function<void()> onGranted) {
    if (m_granted.count(ticket) || isWaiting(ticket))
        return;
    Waiter waiter{context, std::move(onGranted), {}};
    waiter.since.start();
    m_waiting.emplace(Place{priority, ticket}, std::move(waiter));
    m_waitingPlaces.emplace(ticket, priority);
    admit();
    Q_EMIT loadChanged(inFlight(), waiting());
}

void LlmRequestQueue::release(Ticket ticket) {
    if (const auto granted = m_granted.find(ticket); granted != m_granted.end()) {
        if (granted->second == LlmPriority::Background)
            --m_backgroundInFlight;
        m_granted.erase(granted);
    } else if (const auto place = m_waitingPlaces.find(ticket); place != m_waitingPlaces.end()) {
        m_waiting.erase(Place{place->second, ticket});
        m_waitingPlaces.erase(place);
    } else {
        return;
    }
    admit();
    Q_EMIT loadChanged(inFlight(), waiting());
}

int LlmRequestQueue::backgroundLimit() const {
    return std::max(1, m_capacity / 2);
}

void LlmRequestQueue::admit() {
    auto next = m_waiting.begin();
    while (next != m_waiting.end() && inFlight() < m_capacity) {
        const auto [priority, ticket] = next->first;
        if (priority == LlmPriority::Background && m_backgroundInFlight >= backgroundLimit())
            break; // everything after this one is background too
        Waiter waiter = std::move(next->second);
        next = m_waiting.erase(next);
        m_waitingPlaces.erase(ticket);
        if (!waiter.context)
            continue;
        m_granted.emplace(ticket, priority);
        if (priority == LlmPriority::Background)
            ++m_backgroundInFlight;
        Q_EMIT admitted(priority, waiter.since.elapsed());
        // Queued: the grant never runs inside the release() of another request.
        QMetaObject::invokeMethod(waiter.context, std::move(waiter.onGranted),
                                  Qt::QueuedConnection);
    }
}
