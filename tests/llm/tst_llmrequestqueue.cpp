// LlmRequestQueue: the admission rules every LLM request goes through.

#include "llm/LlmRequestQueue.h"

#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <array>
#include <atomic>
#include <memory>

using Ticket = LlmRequestQueue::Ticket;

class TstLlmRequestQueue : public QObject {
    Q_OBJECT

    // Records the order in which tickets were granted.
    QList<Ticket> granted;

    void ask(LlmRequestQueue &queue, Ticket ticket, LlmPriority priority = LlmPriority::Interactive,
             QObject *context = nullptr) {
        queue.request(ticket, priority, context ? context : this,
                      [this, ticket] { granted.append(ticket); });
    }

private Q_SLOTS:
    void init() { granted.clear(); }

    void grantsUpToTheCapacityInArrivalOrder() {
        LlmRequestQueue queue(2);
        QList<Ticket> tickets;
        for (int i = 0; i < 5; ++i) {
            tickets.append(queue.newTicket());
            ask(queue, tickets.last());
        }
        QVERIFY(granted.isEmpty()); // never from inside the call
        QCoreApplication::processEvents();
        QCOMPARE(granted, (QList<Ticket>{tickets[0], tickets[1]}));
        QCOMPARE(queue.inFlight(), 2);
        QCOMPARE(queue.waiting(), 3);

        queue.release(tickets[1]);
        QCoreApplication::processEvents();
        QCOMPARE(granted.last(), tickets[2]);
        queue.release(tickets[0]);
        queue.release(tickets[2]);
        QCoreApplication::processEvents();
        QCOMPARE(granted,
                 (QList<Ticket>{tickets[0], tickets[1], tickets[2], tickets[3], tickets[4]}));
        QCOMPARE(queue.waiting(), 0);
    }

    void interactiveBeforeBackground() {
        LlmRequestQueue queue(1);
        const Ticket running = queue.newTicket();
        ask(queue, running);
        const Ticket summary = queue.newTicket();
        ask(queue, summary, LlmPriority::Background);
        const Ticket turn = queue.newTicket();
        ask(queue, turn);
        queue.release(running);
        QCoreApplication::processEvents();
        QCOMPARE(granted, (QList<Ticket>{running, turn}));
        queue.release(turn);
        QCoreApplication::processEvents();
        QCOMPARE(granted.last(), summary);
    }

    void backgroundHoldsAtMostHalf() {
        LlmRequestQueue queue(4);
        for (int i = 0; i < 4; ++i)
            ask(queue, queue.newTicket(), LlmPriority::Background);
        QCoreApplication::processEvents();
        QCOMPARE(granted.size(), 2);
        QCOMPARE(queue.waiting(), 2);
        const Ticket turn = queue.newTicket();
        ask(queue, turn);
        QCoreApplication::processEvents();
        QCOMPARE(granted.last(), turn); // the free half is there for live turns

        LlmRequestQueue single(1);
        granted.clear();
        ask(single, single.newTicket(), LlmPriority::Background);
        QCoreApplication::processEvents();
        QCOMPARE(granted.size(), 1); // at least one slot, however small the capacity
    }

    void aRetryKeepsItsPlace() {
        LlmRequestQueue queue(1);
        const Ticket first = queue.newTicket();
        ask(queue, first);
        QCoreApplication::processEvents();
        const Ticket later = queue.newTicket();
        ask(queue, later);
        const Ticket blocker = queue.newTicket(); // arrives after `first`, before its retry
        Q_UNUSED(blocker);
        queue.release(first); // first fails; `later` gets the slot
        QCoreApplication::processEvents();
        QCOMPARE(granted.last(), later);
        ask(queue, first); // the retry of `first` waits again, ahead of anyone newer
        const Ticket newest = queue.newTicket();
        ask(queue, newest);
        queue.release(later);
        QCoreApplication::processEvents();
        QCOMPARE(granted.last(), first);
    }

    void askingTwiceDoesNotQueueTwice() {
        LlmRequestQueue queue(1);
        const Ticket ticket = queue.newTicket();
        ask(queue, ticket);
        ask(queue, ticket);
        QCoreApplication::processEvents();
        QCOMPARE(granted.size(), 1);
        QCOMPARE(queue.inFlight(), 1);
        QCOMPARE(queue.waiting(), 0);
    }

    void leavingTheLineFreesNothingElse() {
        LlmRequestQueue queue(1);
        const Ticket running = queue.newTicket();
        ask(queue, running);
        const Ticket impatient = queue.newTicket();
        ask(queue, impatient);
        const Ticket patient = queue.newTicket();
        ask(queue, patient);
        queue.release(impatient); // gives up waiting
        QCOMPARE(queue.waiting(), 1);
        QCOMPARE(queue.inFlight(), 1);
        queue.release(running);
        QCoreApplication::processEvents();
        QCOMPARE(granted, (QList<Ticket>{running, patient}));
        queue.release(12345); // unknown: ignored
        QCOMPARE(queue.inFlight(), 1);
    }

    void aDeadRequesterIsSkipped() {
        LlmRequestQueue queue(1);
        const Ticket running = queue.newTicket();
        ask(queue, running);
        auto context = std::make_unique<QObject>();
        const Ticket gone = queue.newTicket();
        ask(queue, gone, LlmPriority::Interactive, context.get());
        const Ticket next = queue.newTicket();
        ask(queue, next);
        context.reset();
        queue.release(running);
        QCoreApplication::processEvents();
        QCOMPARE(granted, (QList<Ticket>{running, next}));
        QCOMPARE(queue.inFlight(), 1);
    }

    void raisingTheCapacityAdmitsWaiters() {
        LlmRequestQueue queue(1);
        for (int i = 0; i < 3; ++i)
            ask(queue, queue.newTicket());
        QCoreApplication::processEvents();
        QCOMPARE(granted.size(), 1);
        queue.setCapacity(3);
        QCoreApplication::processEvents();
        QCOMPARE(granted.size(), 3);
    }

    void reportsLoadAndWaits() {
        LlmRequestQueue queue(1);
        QSignalSpy load(&queue, &LlmRequestQueue::loadChanged);
        QSignalSpy admitted(&queue, &LlmRequestQueue::admitted);
        const Ticket first = queue.newTicket();
        ask(queue, first);
        const Ticket second = queue.newTicket();
        ask(queue, second);
        QCOMPARE(load.size(), 2);
        QCOMPARE(queue.inFlight(), 1);
        QCOMPARE(queue.waiting(), 1);
        QTest::qWait(30);
        queue.release(first);
        QCOMPARE(load.size(), 3);
        QCOMPARE(queue.inFlight(), 1);
        QCOMPARE(queue.waiting(), 0);
        QCOMPARE(admitted.size(), 2);
        QVERIFY(admitted.at(1).at(1).toLongLong() >= 30);
    }

    void requestersOnManyThreadsShareTheCapacity() {
        // Four threads (as the network threads do) ask for slots over and over, interactive and
        // background, and hold each for one event-loop pass: every grant runs on its requester's
        // thread, and the queue never lets more than its capacity in.
        constexpr int kThreads = 4;
        constexpr int kRounds = 50;
        LlmRequestQueue queue(3);
        std::atomic<int> done = 0;
        std::atomic<int> wrongThread = 0;
        std::atomic<int> overCapacity = 0;
        std::array<int, kThreads> rounds{}; // each written only on its own thread
        std::vector<std::unique_ptr<QThread>> threads;
        std::vector<std::unique_ptr<QObject>> contexts;
        const auto stopThreads = qScopeGuard([&] {
            for (auto &thread : threads) {
                thread->quit();
                thread->wait();
            }
        });
        std::array<std::function<void()>, kThreads> step;
        for (int t = 0; t < kThreads; ++t) {
            threads.push_back(std::make_unique<QThread>());
            contexts.push_back(std::make_unique<QObject>());
            QThread *thread = threads.back().get();
            QObject *context = contexts.back().get();
            context->moveToThread(thread);
            step[t] = [&, t, thread, context] {
                const Ticket ticket = queue.newTicket();
                const LlmPriority priority =
                    t % 2 ? LlmPriority::Background : LlmPriority::Interactive;
                queue.request(ticket, priority, context, [&, t, ticket, thread, context] {
                    if (QThread::currentThread() != thread)
                        ++wrongThread;
                    if (queue.inFlight() > queue.capacity())
                        ++overCapacity;
                    QMetaObject::invokeMethod(
                        context,
                        [&, t, ticket] {
                            queue.release(ticket);
                            ++done;
                            if (++rounds[size_t(t)] < kRounds)
                                step[size_t(t)]();
                        },
                        Qt::QueuedConnection);
                });
            };
            thread->start();
        }
        for (int t = 0; t < kThreads; ++t)
            QMetaObject::invokeMethod(contexts[size_t(t)].get(), step[size_t(t)]);
        QTRY_COMPARE_WITH_TIMEOUT(done.load(), kThreads * kRounds, 60000);
        QCOMPARE(wrongThread.load(), 0);
        QCOMPARE(overCapacity.load(), 0);
        QCOMPARE(queue.inFlight(), 0);
        QCOMPARE(queue.waiting(), 0);
    }
};

QTEST_GUILESS_MAIN(TstLlmRequestQueue)
#include "tst_llmrequestqueue.moc"
