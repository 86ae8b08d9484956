#pragma once

#include <QList>
#include <QObject>
#include <QPointF>
#include <QString>

// One metric's recent values, for a chart: points (x: ms since the epoch, y: the value), oldest
// first, covering the last `windowMs` (plus the one point before, where the line enters).
// A sample equal to the last value appends nothing: the line is held flat, and the point that
// closes the flat stretch is appended together with the next different value. So a metric that
// does not change costs no points and no repaint.
class MetricSeries : public QObject {
    Q_OBJECT
public:
    MetricSeries(const QString &name, qint64 windowMs, QObject *parent = nullptr);

    QString name() const { return m_name; }
    qint64 windowMs() const { return m_windowMs; }
    // True when points were appended (changed() was emitted).
    bool sample(qint64 atMs, double value);
    const QList<QPointF> &points() const { return m_points; }
    bool isEmpty() const { return m_points.isEmpty(); }
    double lastValue() const { return m_last; }
    double maximum() const;                         // over the points, 0 when there are none
    quint64 revision() const { return m_revision; } // counts the changes of points()
    void clear();

Q_SIGNALS:
    void changed();

private:
    QString m_name;
    qint64 m_windowMs;
    QList<QPointF> m_points;
    double m_last = 0;
    qint64 m_lastSampleMs = -1;
    quint64 m_revision = 0;
};
