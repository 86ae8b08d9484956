#pragma once

#include "ui/MetricsSampler.h"

#include <QList>
#include <QWidget>

class QChart;
class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

// The console's live charts: four small Qt Charts (turns and errors per minute, time to first
// token p50/p99, tokens per second, LLM requests in flight and waiting with the database's write
// queue) over the sampler's window. They are redrawn only when the sampler reports a change.
class MetricsChartPane : public QWidget {
    Q_OBJECT
public:
    explicit MetricsChartPane(MetricsSampler *sampler, QWidget *parent = nullptr);

    int chartCount() const { return int(m_charts.size()); }
    QChart *chart(int index) const { return m_charts.at(index).chart; }
    // The line drawn for a metric, as the chart holds it.
    QLineSeries *line(MetricsSampler::Metric metric) const;
    quint64 redraws() const { return m_redraws; } // times the charts took new data

private:
    struct Chart {
        QChart *chart = nullptr;
        QDateTimeAxis *time = nullptr;
        QValueAxis *values = nullptr;
        QList<MetricsSampler::Metric> metrics;
    };
    void addChart(const QString &title, const QList<MetricsSampler::Metric> &metrics);
    void redraw(qint64 atMs);

    MetricsSampler *m_sampler;
    QList<Chart> m_charts;
    QList<QLineSeries *> m_lines; // by metric
    quint64 m_redraws = 0;
};
