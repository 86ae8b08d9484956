#include "ui/MetricsChartPane.h"

#include "ui/MetricSeries.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGraphicsLayout>
#include <QGridLayout>
#include <QLegendMarker>
#include <QLineSeries>
#include <QValueAxis>
#include <cmath>

using namespace Qt::StringLiterals;

namespace {
// A round upper bound for the value axis: 1, 2, 5, 10, 20, 50, …
double niceMaximum(double value) {
    if (value <= 1)
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (const double step : {1.0, 2.0, 5.0, 10.0}) {
        if (value <= step * magnitude)
            return step * magnitude;
    }
    return 10 * magnitude;
}
} // namespace

MetricsChartPane::MetricsChartPane(MetricsSampler *sampler, QWidget *parent)
    : QWidget(parent)
    , m_sampler(sampler) {
    m_lines.resize(MetricsSampler::MetricCount);
    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    using M = MetricsSampler::Metric;
    addChart(tr("Turns / min"), {M::TurnsPerMinute, M::ErrorsPerMinute});
    addChart(tr("Time to first token (ms)"), {M::TtftP50, M::TtftP99});
    addChart(tr("Tokens / s"), {M::TokensPerSecond});
    addChart(tr("LLM requests · DB queue"), {M::LlmInFlight, M::LlmWaiting, M::DatabaseQueue});
    connect(sampler, &MetricsSampler::updated, this, &MetricsChartPane::redraw);
    if (sampler->lastUpdateMs() >= 0)
        redraw(sampler->lastUpdateMs());
}

void MetricsChartPane::addChart(const QString &title,
                                const QList<MetricsSampler::Metric> &metrics) {
    Chart c;
    c.metrics = metrics;
    c.chart = new QChart;
    c.chart->setTitle(title);
    QFont titleFont = font();
    titleFont.setBold(true);
    c.chart->setTitleFont(titleFont);
    c.chart->setAnimationOptions(QChart::NoAnimation);
    c.chart->setMargins(QMargins(2, 2, 2, 2));
    c.chart->layout()->setContentsMargins(0, 0, 0, 0);
    c.chart->setBackgroundRoundness(0);
    c.chart->legend()->setAlignment(Qt::AlignBottom);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    c.chart->legend()->setFont(small);
    c.chart->legend()->setVisible(metrics.size() > 1);

    c.time = new QDateTimeAxis;
    c.time->setFormat(u"HH:mm"_s);
    c.time->setTickCount(3);
    c.time->setLabelsFont(small);
    c.values = new QValueAxis;
    c.values->setLabelFormat(u"%g"_s);
    c.values->setTickCount(3);
    c.values->setLabelsFont(small);
    c.values->setRange(0, 1);
    c.chart->addAxis(c.time, Qt::AlignBottom);
    c.chart->addAxis(c.values, Qt::AlignLeft);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    c.time->setRange(QDateTime::fromMSecsSinceEpoch(now - m_sampler->windowMs()),
                     QDateTime::fromMSecsSinceEpoch(now));
    for (const MetricsSampler::Metric metric : metrics) {
        auto *line = new QLineSeries;
        line->setName(m_sampler->series(metric)->name());
        c.chart->addSeries(line);
        line->attachAxis(c.time);
        line->attachAxis(c.values);
        m_lines[metric] = line;
    }

    auto *view = new QChartView(c.chart, this);
    view->setObjectName(u"chart%1"_s.arg(m_charts.size()));
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(120, 140);
    static_cast<QGridLayout *>(layout())->addWidget(view, 0, int(m_charts.size()));
    m_charts.append(c);
}

QLineSeries *MetricsChartPane::line(MetricsSampler::Metric metric) const {
    return m_lines.at(metric);
}

void MetricsChartPane::redraw(qint64 atMs) {
    ++m_redraws;
    for (const Chart &c : std::as_const(m_charts)) {
        double max = 0;
        for (const MetricsSampler::Metric metric : c.metrics) {
            const MetricSeries *series = m_sampler->series(metric);
            m_lines.at(metric)->replace(series->points());
            max = std::max(max, series->maximum());
        }
        c.values->setRange(0, niceMaximum(max));
        c.time->setRange(QDateTime::fromMSecsSinceEpoch(atMs - m_sampler->windowMs()),
                         QDateTime::fromMSecsSinceEpoch(atMs));
    }
}
