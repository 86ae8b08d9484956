#include "llm/LlmRequestQueue.h"

#include <algorithm>

LlmRequestQueue::LlmRequestQueue(int capacity, QObject *parent)
    : QObject(parent)
    , m_capacity(std::max(1, capacity)) {}

void LlmRequestQueue::setCapacity(int capacity) {
    QList<Grant> grants;
    {
        const QMutexLocker locker(&m_mutex);
        m_capacity = std::max(1, capacity);
        grants = admit();
    }
    announce(grants);
}

int LlmRequestQueue::capacity() const {
    const QMutexLocker locker(&m_mutex);
    return m_capacity;
}

int LlmRequestQueue::inFlight() const {
    const QMutexLocker locker(&m_mutex);
    return int(m_granted.size());
}

int LlmRequestQueue::waiting() const {
    const QMutexLocker locker(&m_mutex);
    return int(m_waiting.size());
}

LlmRequestQueue::Ticket LlmRequestQueue::newTicket() {
    const QMutexLocker locker(&m_mutex);
    return m_nextTicket++;
}

void LlmRequestQueue::request(Ticket ticket, LlmPriority priority, QObject *context,
                              std::function<void()> onGranted) {
    QList<Grant> grants;
    {
        const QMutexLocker locker(&m_mutex);
        if (m_granted.count(ticket) || m_waitingPlaces.count(ticket))
            return;
        Waiter waiter{context, std::move(onGranted), {}};
        waiter.since.start();
        m_waiting.emplace(Place{priority, ticket}, std::move(waiter));
        m_waitingPlaces.emplace(ticket, priority);
        grants = admit();
    }
    announce(grants);
}

void LlmRequestQueue::release(Ticket ticket) {
    QList<Grant> grants;
    {
        const QMutexLocker locker(&m_mutex);
        if (const auto granted = m_granted.find(ticket); granted != m_granted.end()) {
            if (granted->second == LlmPriority::Background)
                --m_backgroundInFlight;
            m_granted.erase(granted);
        } else if (const auto place = m_waitingPlaces.find(ticket);
                   place != m_waitingPlaces.end()) {
            m_waiting.erase(Place{place->second, ticket});
            m_waitingPlaces.erase(place);
        } else {
            return;
        }
        grants = admit();
    }
    announce(grants);
}

int LlmRequestQueue::backgroundLimit() const {
    return std::max(1, m_capacity / 2);
}

QList<LlmRequestQueue::Grant> LlmRequestQueue::admit() {
    QList<Grant> grants;
    auto next = m_waiting.begin();
    while (next != m_waiting.end() && int(m_granted.size()) < m_capacity) {
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
        grants.append({priority, waiter.since.elapsed()});
        // Queued: the grant never runs inside the release() of another request. Posted with the
        // lock held, so the context (which releases its ticket before it dies) is alive.
        QMetaObject::invokeMethod(waiter.context, std::move(waiter.onGranted),
                                  Qt::QueuedConnection);
    }
    return grants;
}

void LlmRequestQueue::announce(const QList<Grant> &grants) {
    for (const Grant &grant : grants)
        Q_EMIT admitted(grant.priority, grant.waitedMs);
    Q_EMIT loadChanged();
}
