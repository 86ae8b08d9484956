// The charts' data: MetricSeries holds a metric flat without new points while it does not
// change, MetricsSampler reads the registry's counters and gauges and the turns it is told of,
// and MetricsChartPane draws what the sampler has, only when something changed.
#include "chat/TurnOutcome.h"
#include "core/MetricsRegistry.h"
#include "ui/MetricSeries.h"
#include "ui/MetricsChartPane.h"
#include "ui/MetricsSampler.h"
#include "ui/TurnWindow.h"

#include <QDateTime>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTest>
#include <memory>

using namespace Qt::StringLiterals;

namespace {
TurnOutcome turn(qint64 ttftMs, const QString &finish = u"stop"_s) {
    TurnOutcome outcome;
    outcome.finishReason = finish;
    outcome.ttftMs = ttftMs;
    return outcome;
}
} // namespace

class TestMetricsSampler : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void seriesAppendsOnlyChanges() {
        MetricSeries series(u"x"_s, 10'000);
        QSignalSpy changed(&series, &MetricSeries::changed);
        QVERIFY(series.sample(1000, 5));
        for (qint64 t = 2000; t <= 6000; t += 1000)
            QVERIFY(!series.sample(t, 5)); // held: no point, no signal
        QCOMPARE(series.points().size(), 1);
        QCOMPARE(changed.count(), 1);
        const quint64 revision = series.revision();
        // The change closes the flat stretch at the last sample, then steps.
        QVERIFY(series.sample(7000, 8));
        QCOMPARE(series.points(), (QList<QPointF>{{1000, 5}, {6000, 5}, {7000, 8}}));
        QCOMPARE(series.revision(), revision + 1);
        QCOMPARE(changed.count(), 2);
        QVERIFY(series.sample(8000, 9)); // no stretch to close
        QCOMPARE(series.points().size(), 4);
        QCOMPARE(series.maximum(), 9.0);
    }

    void seriesKeepsItsWindowAndTheLineIntoIt() {
        MetricSeries series(u"x"_s, 10'000);
        for (qint64 t = 0; t <= 30'000; t += 1000)
            series.sample(t, double(t % 2000)); // changes every sample
        QCOMPARE(series.points().constLast().x(), 30'000.0);
        // One point at or before the window's start (20 s), then those inside it.
        QCOMPARE(series.points().constFirst().x(), 20'000.0);
        QCOMPARE(series.points().size(), 11);
        QVERIFY(!series.sample(29'000, 1)); // an earlier time is ignored
    }

    void turnWindowCountsAndQuantiles() {
        TurnWindow window(60'000);
        QVERIFY(!window.ttftQuantile(0.5));
        for (int i = 1; i <= 100; ++i)
            window.add(1000 + i, i * 10, i % 10 == 0);
        window.add(2000, -1, true); // failed before any token
        QCOMPARE(window.count(), 101);
        QCOMPARE(window.failures(), 11);
        QCOMPARE(*window.ttftQuantile(0.5), 500);
        QCOMPARE(*window.ttftQuantile(0.99), 990);
        QCOMPARE(*window.ttftQuantile(1.0), 1000);
        window.prune(1050 + 60'000);
        QCOMPARE(window.count(), 51);
        window.prune(10'000'000);
        QCOMPARE(window.count(), 0);
    }

    void samplerReadsTheRegistryAndTheTurns() {
        MetricsRegistry metrics;
        MetricsSampler sampler;
        sampler.setSource(&metrics);
        QVERIFY(sampler.isSampling());
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        sampler.sampleAt(t0);
        metrics.increment(u"rtai_tokens_streamed_total"_s, {}, 40);
        metrics.set(u"rtai_llm_requests_in_flight"_s, 3);
        metrics.set(u"rtai_llm_requests_waiting"_s, 2);
        metrics.set(u"rtai_database_queue_depth"_s, 7);
        sampler.recordTurn(turn(120));
        sampler.recordTurn(turn(480));
        sampler.recordTurn(turn(-1, u"error"_s));
        sampler.sampleAt(t0 + 2000);
        using M = MetricsSampler::Metric;
        QCOMPARE(sampler.series(M::TokensPerSecond)->lastValue(), 20.0); // 40 in 2 s
        QCOMPARE(sampler.series(M::LlmInFlight)->lastValue(), 3.0);
        QCOMPARE(sampler.series(M::LlmWaiting)->lastValue(), 2.0);
        QCOMPARE(sampler.series(M::DatabaseQueue)->lastValue(), 7.0);
        QCOMPARE(sampler.series(M::TurnsPerMinute)->lastValue(), 3.0);
        QCOMPARE(sampler.series(M::ErrorsPerMinute)->lastValue(), 1.0);
        QCOMPARE(sampler.series(M::TtftP50)->lastValue(), 120.0);
        QCOMPARE(sampler.series(M::TtftP99)->lastValue(), 480.0);
        // A minute later the turns have left the window; no tokens came since.
        sampler.sampleAt(t0 + 2000 + 61'000);
        QCOMPARE(sampler.series(M::TurnsPerMinute)->lastValue(), 0.0);
        QCOMPARE(sampler.series(M::TtftP99)->lastValue(), 0.0);
        QCOMPARE(sampler.series(M::TokensPerSecond)->lastValue(), 0.0);
        sampler.setSource(nullptr);
        QVERIFY(!sampler.isSampling());
    }

    // Idle means unchanged figures: no points appended, no update signal, and the charts are
    // not given new data, however often the sampler looks.
    void nothingIsRedrawnWhileIdle() {
        MetricsRegistry metrics;
        MetricsSampler sampler;
        sampler.setSource(&metrics);
        MetricsChartPane pane(&sampler);
        pane.resize(800, 200);
        pane.show();
        QSignalSpy updated(&sampler, &MetricsSampler::updated);
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        sampler.sampleAt(t0); // the first sample draws every line's start
        QCOMPARE(updated.count(), 1);
        QCOMPARE(pane.redraws(), 1u);
        QList<quint64> revisions;
        for (int m = 0; m < MetricsSampler::MetricCount; ++m)
            revisions << sampler.series(MetricsSampler::Metric(m))->revision();
        for (int s = 1; s <= 120; ++s)
            sampler.sampleAt(t0 + s * 1000);
        QCOMPARE(sampler.samples(), 121u);
        QCOMPARE(sampler.updates(), 1u);
        QCOMPARE(updated.count(), 1);
        QCOMPARE(pane.redraws(), 1u);
        for (int m = 0; m < MetricsSampler::MetricCount; ++m)
            QCOMPARE(sampler.series(MetricsSampler::Metric(m))->revision(), revisions.at(m));

        // One gauge moves: one update, and its line gets the held stretch and the new value.
        metrics.set(u"rtai_llm_requests_in_flight"_s, 4);
        sampler.sampleAt(t0 + 121'000);
        QCOMPARE(updated.count(), 1 + 1);
        QCOMPARE(pane.redraws(), 2u);
        const QList<QPointF> drawn = pane.line(MetricsSampler::LlmInFlight)->points();
        QCOMPARE(drawn, sampler.series(MetricsSampler::LlmInFlight)->points());
        QCOMPARE(drawn.size(), 3);
        QCOMPARE(drawn.constLast(), QPointF(double(t0 + 121'000), 4));
        QCOMPARE(pane.line(MetricsSampler::LlmWaiting)->points().size(), 1);
    }

    void aRegistryThatGoesFirstIsNotRead() {
        auto metrics = std::make_unique<MetricsRegistry>();
        metrics->set(u"rtai_llm_requests_in_flight"_s, 5);
        MetricsSampler sampler;
        sampler.setSource(metrics.get());
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        sampler.sampleAt(t0);
        QCOMPARE(sampler.series(MetricsSampler::LlmInFlight)->lastValue(), 5.0);
        metrics.reset(); // the server was deleted without a stop
        sampler.sampleAt(t0 + 1000);
        QCOMPARE(sampler.series(MetricsSampler::LlmInFlight)->lastValue(), 0.0);
    }

    void paneShowsEveryMetric() {
        MetricsSampler sampler;
        MetricsChartPane pane(&sampler);
        QCOMPARE(pane.chartCount(), 4);
        for (int m = 0; m < MetricsSampler::MetricCount; ++m) {
            QLineSeries *line = pane.line(MetricsSampler::Metric(m));
            QVERIFY(line);
            QCOMPARE(line->name(), sampler.series(MetricsSampler::Metric(m))->name());
        }
    }
};

QTEST_MAIN(TestMetricsSampler)
#include "tst_metricssampler.moc"
