#include "ui/MetricSeries.h"

#include <algorithm>

MetricSeries::MetricSeries(const QString &name, qint64 windowMs, QObject *parent)
    : QObject(parent)
    , m_name(name)
    , m_windowMs(windowMs) {}

bool MetricSeries::sample(qint64 atMs, double value) {
    if (m_lastSampleMs >= 0 && atMs < m_lastSampleMs)
        return false; // the clock went back: keep the points in time order
    if (!m_points.isEmpty() && value == m_last) {
        m_lastSampleMs = atMs;
        return false;
    }
    if (!m_points.isEmpty() && m_lastSampleMs > qint64(m_points.constLast().x()))
        m_points.append(QPointF(double(m_lastSampleMs), m_last));
    m_points.append(QPointF(double(atMs), value));
    m_last = value;
    m_lastSampleMs = atMs;
    const double cutoff = double(atMs - m_windowMs);
    qsizetype old = 0;
    while (old + 1 < m_points.size() && m_points.at(old + 1).x() <= cutoff)
        ++old;
    m_points.remove(0, old);
    ++m_revision;
    Q_EMIT changed();
    return true;
}

double MetricSeries::maximum() const {
    double max = 0;
    for (const QPointF &point : m_points)
        max = std::max(max, point.y());
    return max;
}

void MetricSeries::clear() {
    m_points.clear();
    m_last = 0;
    m_lastSampleMs = -1;
    ++m_revision;
    Q_EMIT changed();
}
