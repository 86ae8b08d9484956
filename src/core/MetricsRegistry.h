#pragma once

#include <QByteArray>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QPair>
#include <QString>
#include <map>

using MetricLabels = QList<QPair<QString, QString>>;

// Counters, gauges and histograms with labels, rendered in the Prometheus text exposition
// format 0.0.4. Safe to use from any thread.
//
// Describe each metric once (name, type, help, and for histograms the bucket upper bounds);
// a metric used before it is described is created with an empty help text (histograms with
// Prometheus' default buckets). Label order does not matter: {a,b} and {b,a} are one series.
// Misuse (an invalid name, a label named "le" on a histogram, a counter decreased, a type
// mismatch) is logged and ignored, never fatal. render() is deterministic: metrics sorted by
// name, series sorted by labels.
class MetricsRegistry : public QObject {
    Q_OBJECT

public:
    enum class Type { Counter, Gauge, Histogram };

    explicit MetricsRegistry(QObject *parent = nullptr);
    ~MetricsRegistry() override;

    void describe(const QString &name, Type type, const QString &help,
                  const QList<double> &buckets = {});
    // Counters and gauges (a gauge may go down: `by` < 0).
    void increment(const QString &name, const MetricLabels &labels = {}, double by = 1);
    void set(const QString &name, double value, const MetricLabels &labels = {});     // gauges
    void observe(const QString &name, double value, const MetricLabels &labels = {}); // histograms
    // Forgets one series (e.g. a gauge per session that ended).
    void remove(const QString &name, const MetricLabels &labels = {});

    QByteArray render() const; // Prometheus text format 0.0.4

    // Current value of a counter or gauge series, 0 if it does not exist (for tests).
    double value(const QString &name, const MetricLabels &labels = {}) const;
    // Number of observations of a histogram series (for tests).
    quint64 observationCount(const QString &name, const MetricLabels &labels = {}) const;

    static QList<double> defaultBuckets(); // Prometheus' client defaults, 0.005 … 10

private:
    struct Series {
        double value = 0; // counter, gauge
        QList<quint64> bucketCounts;
        double sum = 0;
        quint64 count = 0;
    };
    struct Family {
        Type type = Type::Counter;
        QString help;
        QList<double> buckets;
        std::map<MetricLabels, Series> series; // key: labels sorted by name
    };

    Family *family(const QString &name, Type type, const char *operation);
    Series *series(Family &family, const QString &name, const MetricLabels &labels);

    mutable QMutex m_mutex;
    std::map<QString, Family> m_families;
};
