#include "core/LogBuffer.h"

#include <QMutexLocker>

LogBuffer::LogBuffer(qsizetype capacity, QObject *parent)
    : QObject(parent)
    , m_capacity(std::max<qsizetype>(1, capacity)) {}

void LogBuffer::append(LogLine line) {
    bool post = false;
    {
        const QMutexLocker lock(&m_mutex);
        m_pending.append(std::move(line));
        if (m_pending.size() - m_head > m_capacity) {
            ++m_head;
            ++m_dropped;
        }
        // Dropped lines are compacted away in batches, not one removal from the front per line.
        if (m_head >= m_capacity) {
            m_pending.remove(0, m_head);
            m_head = 0;
        }
        post = !std::exchange(m_notifyPosted, true);
    }
    if (post)
        QMetaObject::invokeMethod(this, &LogBuffer::notify, Qt::QueuedConnection);
}

QList<LogLine> LogBuffer::take() {
    const QMutexLocker lock(&m_mutex);
    QList<LogLine> lines = std::exchange(m_pending, {});
    if (m_head > 0)
        lines.remove(0, std::exchange(m_head, 0));
    return lines;
}

qint64 LogBuffer::droppedCount() const {
    const QMutexLocker lock(&m_mutex);
    return m_dropped;
}

void LogBuffer::notify() {
    {
        const QMutexLocker lock(&m_mutex);
        m_notifyPosted = false;
        if (m_pending.size() == m_head)
            return;
    }
    Q_EMIT linesAvailable();
}
