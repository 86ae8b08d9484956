#pragma once

#include "llm/LlmPriority.h"

#include <QElapsedTimer>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QPointer>
#include <functional>
#include <map>

// Admission to one LLM endpoint: at most capacity() requests in flight at once; the others wait
// in arrival order, interactive before background. Background requests never hold more than
// half of the slots (at least one), so a burst of summaries leaves room for live turns.
// Shared by the streams of every network thread: safe to use from any thread.
//
// A requester takes a ticket, is granted a slot (through `onGranted`, never from inside the call
// that frees it), and gives it back with release(). A retry waits with its first ticket's place,
// ahead of requests that arrived after it.
class LlmRequestQueue : public QObject {
    Q_OBJECT

public:
    using Ticket = quint64;

    explicit LlmRequestQueue(int capacity, QObject *parent = nullptr);

    void setCapacity(int capacity); // at least 1; waiting requests are admitted at once if room
    int capacity() const;

    // A new place in the line.
    Ticket newTicket();
    // Waits for a slot with `ticket`'s place; `onGranted` runs on `context`'s thread unless the
    // context is gone. A context on another thread must release its ticket before it is
    // destroyed (LlmEndpointClaim does). A ticket that holds or waits for a slot already is not
    // queued twice.
    void request(Ticket ticket, LlmPriority priority, QObject *context,
                 std::function<void()> onGranted);
    // Gives the slot back, or stops waiting for one. Unknown tickets are ignored.
    void release(Ticket ticket);

    int inFlight() const;
    int waiting() const;

Q_SIGNALS:
    // Emitted on the thread that changed it; read inFlight() and waiting() for the latest.
    void loadChanged();
    // A request got its slot after waiting `waitedMs` (0 when a slot was free at once).
    void admitted(LlmPriority priority, qint64 waitedMs);

private:
    struct Waiter {
        QPointer<QObject> context; // one that died without releasing its ticket is skipped
        std::function<void()> onGranted;
        QElapsedTimer since;
    };
    using Place = std::pair<LlmPriority, Ticket>; // interactive first, then arrival order

    struct Grant {
        LlmPriority priority;
        qint64 waitedMs;
    };
    // With m_mutex held; posts the grants and returns them, to be announced once unlocked.
    QList<Grant> admit();
    void announce(const QList<Grant> &grants);
    int backgroundLimit() const;

    mutable QMutex m_mutex;
    int m_capacity;
    Ticket m_nextTicket = 1;
    std::map<Place, Waiter> m_waiting;
    std::map<Ticket, LlmPriority> m_waitingPlaces; // the Place of each waiting ticket
    std::map<Ticket, LlmPriority> m_granted;
    int m_backgroundInFlight = 0;
};
