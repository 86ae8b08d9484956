#include "core/MetricsRegistry.h"

#include <QRegularExpression>
#include <QTest>
#include <QThread>
#include <cmath>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

// Checks the grammar of the text format 0.0.4 line by line (comments, samples, label syntax).
bool isValidExposition(const QByteArray &text, QString *problem) {
    static const QRegularExpression comment(
        uR"(^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram))$)"_s);
    static const QRegularExpression sample(
        uR"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? ([-+]?[0-9.e+-]+|NaN|[+-]Inf)$)"_s);
    if (!text.isEmpty() && !text.endsWith('\n')) {
        *problem = u"no final newline"_s;
        return false;
    }
    for (const QByteArray &line : text.split('\n')) {
        if (line.isEmpty())
            continue;
        const QString l = QString::fromUtf8(line);
        if (!(line.startsWith('#') ? comment : sample).match(l).hasMatch()) {
            *problem = l;
            return false;
        }
    }
    return true;
}

} // namespace

class TestMetricsRegistry : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void countersWithLabels() {
        MetricsRegistry metrics;
        metrics.describe(u"rtai_turns_total"_s, MetricsRegistry::Type::Counter,
                         u"Turns by outcome."_s);
        metrics.increment(u"rtai_turns_total"_s, {{u"outcome"_s, u"stop"_s}});
        metrics.increment(u"rtai_turns_total"_s, {{u"outcome"_s, u"error"_s}});
        metrics.increment(u"rtai_turns_total"_s, {{u"outcome"_s, u"stop"_s}}, 2);
        QCOMPARE(metrics.render(), QByteArray("# HELP rtai_turns_total Turns by outcome.\n"
                                              "# TYPE rtai_turns_total counter\n"
                                              "rtai_turns_total{outcome=\"error\"} 1\n"
                                              "rtai_turns_total{outcome=\"stop\"} 3\n"));
        QCOMPARE(metrics.value(u"rtai_turns_total"_s, {{u"outcome"_s, u"stop"_s}}), 3.0);
        QCOMPARE(metrics.value(u"rtai_turns_total"_s, {{u"outcome"_s, u"length"_s}}), 0.0);
    }

    void gauges() {
        MetricsRegistry metrics;
        metrics.describe(u"rtai_active_sessions"_s, MetricsRegistry::Type::Gauge,
                         u"Open sessions."_s);
        metrics.set(u"rtai_active_sessions"_s, 5);
        metrics.increment(u"rtai_active_sessions"_s, {}, -2);
        metrics.describe(u"rtai_load"_s, MetricsRegistry::Type::Gauge, u"Load."_s);
        metrics.set(u"rtai_load"_s, 0.25);
        QCOMPARE(metrics.render(), QByteArray("# HELP rtai_active_sessions Open sessions.\n"
                                              "# TYPE rtai_active_sessions gauge\n"
                                              "rtai_active_sessions 3\n"
                                              "# HELP rtai_load Load.\n"
                                              "# TYPE rtai_load gauge\n"
                                              "rtai_load 0.25\n"));
        metrics.remove(u"rtai_load"_s);
        QVERIFY(!metrics.render().contains("rtai_load 0.25"));
        QVERIFY(metrics.render().contains("# TYPE rtai_load gauge\n"));
    }

    void histogramsAreCumulative() {
        MetricsRegistry metrics;
        metrics.describe(u"rtai_ttft_seconds"_s, MetricsRegistry::Type::Histogram,
                         u"Time to first token."_s, {1, 0.25, 0.5}); // unsorted on purpose
        for (const double v : {0.25, 0.5, 0.75, 3.0})
            metrics.observe(u"rtai_ttft_seconds"_s, v, {{u"model"_s, u"m"_s}});
        QCOMPARE(metrics.render(),
                 QByteArray("# HELP rtai_ttft_seconds Time to first token.\n"
                            "# TYPE rtai_ttft_seconds histogram\n"
                            "rtai_ttft_seconds_bucket{model=\"m\",le=\"0.25\"} 1\n"
                            "rtai_ttft_seconds_bucket{model=\"m\",le=\"0.5\"} 2\n"
                            "rtai_ttft_seconds_bucket{model=\"m\",le=\"1\"} 3\n"
                            "rtai_ttft_seconds_bucket{model=\"m\",le=\"+Inf\"} 4\n"
                            "rtai_ttft_seconds_sum{model=\"m\"} 4.5\n"
                            "rtai_ttft_seconds_count{model=\"m\"} 4\n"));
        QCOMPARE(metrics.observationCount(u"rtai_ttft_seconds"_s, {{u"model"_s, u"m"_s}}), 4u);
    }

    void histogramWithoutLabelsAndDefaultBuckets() {
        MetricsRegistry metrics;
        metrics.describe(u"h"_s, MetricsRegistry::Type::Histogram, u"H."_s);
        metrics.observe(u"h"_s, 0.003);
        metrics.observe(u"h"_s, 100);
        const QByteArray text = metrics.render();
        QVERIFY(text.contains("h_bucket{le=\"0.005\"} 1\n"));
        QVERIFY(text.contains("h_bucket{le=\"10\"} 1\n"));
        QVERIFY(text.contains("h_bucket{le=\"+Inf\"} 2\n"));
        QVERIFY(text.contains("h_sum 100.003\n"));
        QVERIFY(text.contains("h_count 2\n"));
        QCOMPARE(text.count("h_bucket"), MetricsRegistry::defaultBuckets().size() + 1);
    }

    void escaping() {
        MetricsRegistry metrics;
        metrics.describe(u"rtai_requests_total"_s, MetricsRegistry::Type::Counter,
                         u"Line one\nback\\slash \"quotes\" stay."_s);
        metrics.increment(u"rtai_requests_total"_s, {{u"path"_s, u"a\\b\"c\nd"_s}});
        QCOMPARE(metrics.render(),
                 QByteArray("# HELP rtai_requests_total Line one\\nback\\\\slash \"quotes\" stay.\n"
                            "# TYPE rtai_requests_total counter\n"
                            "rtai_requests_total{path=\"a\\\\b\\\"c\\nd\"} 1\n"));
        QString problem;
        QVERIFY2(isValidExposition(metrics.render(), &problem), qPrintable(problem));
    }

    void labelOrderDoesNotMatterAndOutputIsSorted() {
        MetricsRegistry metrics;
        metrics.increment(u"zeta_total"_s);
        metrics.increment(u"alpha_total"_s, {{u"b"_s, u"2"_s}, {u"a"_s, u"1"_s}});
        metrics.increment(u"alpha_total"_s, {{u"a"_s, u"1"_s}, {u"b"_s, u"2"_s}});
        metrics.increment(u"alpha_total"_s, {{u"a"_s, u"0"_s}, {u"b"_s, u"9"_s}});
        const QByteArray expected = "# TYPE alpha_total counter\n"
                                    "alpha_total{a=\"0\",b=\"9\"} 1\n"
                                    "alpha_total{a=\"1\",b=\"2\"} 2\n"
                                    "# TYPE zeta_total counter\n"
                                    "zeta_total 1\n";
        QCOMPARE(metrics.render(), expected);
        QCOMPARE(metrics.render(), expected);
    }

    void valueFormatting() {
        MetricsRegistry metrics;
        metrics.set(u"g"_s, 1e15, {{u"k"_s, u"big"_s}});
        metrics.set(u"g"_s, -0.1, {{u"k"_s, u"negative"_s}});
        metrics.set(u"g"_s, qQNaN(), {{u"k"_s, u"nan"_s}});
        metrics.set(u"g"_s, qInf(), {{u"k"_s, u"pos"_s}});
        metrics.set(u"g"_s, 1e300, {{u"k"_s, u"vast"_s}});
        const QByteArray text = metrics.render();
        QVERIFY(text.contains("g{k=\"big\"} 1000000000000000\n"));
        QVERIFY(text.contains("g{k=\"negative\"} -0.1\n"));
        QVERIFY(text.contains("g{k=\"nan\"} NaN\n"));
        QVERIFY(text.contains("g{k=\"pos\"} +Inf\n"));
        QVERIFY(text.contains("g{k=\"vast\"} 1e+300\n"));
        QString problem;
        QVERIFY2(isValidExposition(text, &problem), qPrintable(problem));
    }

    void misuseIsIgnored() {
        MetricsRegistry metrics;
        metrics.describe(u"c_total"_s, MetricsRegistry::Type::Counter, u"C."_s);
        metrics.describe(u"h"_s, MetricsRegistry::Type::Histogram, u"H."_s, {1});
        metrics.describe(u"bad name"_s, MetricsRegistry::Type::Counter, u"x"_s);
        metrics.describe(u"c_total"_s, MetricsRegistry::Type::Gauge, u"type change"_s);
        metrics.increment(u"c_total"_s, {}, -1); // counters never go down
        metrics.increment(u"c_total"_s, {}, qQNaN());
        metrics.set(u"c_total"_s, 7);                      // not a gauge
        metrics.increment(u"h"_s);                         // not a counter
        metrics.observe(u"h"_s, 0.5, {{u"le"_s, u"1"_s}}); // reserved label
        metrics.observe(u"h"_s, qQNaN());
        metrics.increment(u"c_total"_s, {{u"__x"_s, u"1"_s}});  // reserved label name
        metrics.increment(u"c_total"_s, {{u"1abc"_s, u"1"_s}}); // invalid label name
        metrics.increment(u"c_total"_s, {{u"a"_s, u"1"_s}, {u"a"_s, u"2"_s}}); // repeated
        metrics.increment(u"9starts_with_digit"_s);
        QCOMPARE(metrics.render(), QByteArray("# HELP c_total C.\n"
                                              "# TYPE c_total counter\n"
                                              "# HELP h H.\n"
                                              "# TYPE h histogram\n"));
    }

    void concurrentUpdates() {
        MetricsRegistry metrics;
        metrics.describe(u"hits_total"_s, MetricsRegistry::Type::Counter, u"Hits."_s);
        metrics.describe(u"lat"_s, MetricsRegistry::Type::Histogram, u"Latency."_s, {0.5});
        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back(QThread::create([&metrics, t] {
                for (int i = 0; i < 5000; ++i) {
                    metrics.increment(u"hits_total"_s, {{u"thread"_s, QString::number(t % 2)}});
                    metrics.observe(u"lat"_s, i % 2 ? 0.25 : 1.0);
                    if (i % 500 == 0)
                        (void)metrics.render();
                }
            }));
            threads.back()->start();
        }
        for (auto &thread : threads)
            QVERIFY(thread->wait(60000));
        QCOMPARE(metrics.value(u"hits_total"_s, {{u"thread"_s, u"0"_s}}), 10000.0);
        QCOMPARE(metrics.value(u"hits_total"_s, {{u"thread"_s, u"1"_s}}), 10000.0);
        QCOMPARE(metrics.observationCount(u"lat"_s), 20000u);
        QVERIFY(metrics.render().contains("lat_bucket{le=\"0.5\"} 10000\n"));
    }
};

QTEST_GUILESS_MAIN(TestMetricsRegistry)
#include "tst_metricsregistry.moc"
