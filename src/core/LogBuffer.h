#pragma once

#include "core/LogLine.h"

#include <QList>
#include <QMutex>
#include <QObject>

// Log lines handed over from any thread to the thread this object lives in. append() only takes
// a mutex for a list append and, for the first line of a batch, posts one queued call: nothing
// waits on the receiving thread and nothing runs while no line arrives. Lines not yet taken are
// bounded: beyond the capacity the oldest are dropped and counted.
class LogBuffer : public QObject {
    Q_OBJECT
public:
    static constexpr qsizetype DefaultCapacity = 5000;

    explicit LogBuffer(qsizetype capacity = DefaultCapacity, QObject *parent = nullptr);

    void append(LogLine line); // thread-safe
    QList<LogLine> take();     // the lines not taken yet, oldest first
    qsizetype capacity() const { return m_capacity; }
    qint64 droppedCount() const;

Q_SIGNALS:
    // Emitted in this object's thread, once for each batch of lines appended.
    void linesAvailable();

private:
    void notify();

    const qsizetype m_capacity;
    mutable QMutex m_mutex;
    QList<LogLine> m_pending;
    qsizetype m_head = 0; // m_pending[m_head…] are the lines not taken
    bool m_notifyPosted = false;
    qint64 m_dropped = 0;
};
