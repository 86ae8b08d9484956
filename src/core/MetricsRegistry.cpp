#include "core/MetricsRegistry.h"

#include "core/Logging.h"

#include <QLocale>
#include <QMutexLocker>
#include <QRegularExpression>
#include <algorithm>
#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;

namespace {

bool isValidMetricName(const QString &name) {
    static const QRegularExpression pattern(u"^[a-zA-Z_:][a-zA-Z0-9_:]*$"_s);
    return pattern.match(name).hasMatch();
}

bool isValidLabelName(const QString &name) {
    static const QRegularExpression pattern(u"^[a-zA-Z_][a-zA-Z0-9_]*$"_s);
    return pattern.match(name).hasMatch() && !name.startsWith(u"__"_s);
}

const char *typeName(MetricsRegistry::Type type) {
    switch (type) {
    case MetricsRegistry::Type::Counter:
        return "counter";
    case MetricsRegistry::Type::Gauge:
        return "gauge";
    case MetricsRegistry::Type::Histogram:
        return "histogram";
    }
    return "untyped";
}

// Prometheus floats: integers without a fraction, others in the shortest exact form.
QByteArray formatValue(double value) {
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0)
        return QByteArray::number(static_cast<qint64>(value));
    return QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
}

QByteArray escapeHelp(const QString &help) {
    QByteArray out;
    for (const char c : help.toUtf8()) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

QByteArray escapeLabelValue(const QString &value) {
    QByteArray out;
    for (const char c : value.toUtf8()) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

QByteArray labelText(const MetricLabels &labels, const QByteArray &extraName = {},
                     const QByteArray &extraValue = {}) {
    if (labels.isEmpty() && extraName.isEmpty())
        return {};
    QByteArray out = "{";
    bool first = true;
    for (const auto &[name, value] : labels) {
        if (!first)
            out += ',';
        first = false;
        out += name.toUtf8() + "=\"" + escapeLabelValue(value) + '"';
    }
    if (!extraName.isEmpty()) {
        if (!first)
            out += ',';
        out += extraName + "=\"" + extraValue + '"';
    }
    out += '}';
    return out;
}

MetricLabels sortedLabels(MetricLabels labels) {
    std::stable_sort(labels.begin(), labels.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    return labels;
}

} // namespace

MetricsRegistry::MetricsRegistry(QObject *parent)
    : QObject(parent) {}

MetricsRegistry::~MetricsRegistry() = default;

QList<double> MetricsRegistry::defaultBuckets() {
    return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void MetricsRegistry::describe(const QString &name, Type type, const QString &help,
                               const QList<double> &buckets) {
    if (!isValidMetricName(name)) {
        qCWarning(lcApp) << "metrics: invalid metric name" << name << "ignored";
        return;
    }
    QList<double> bounds =
        type == Type::Histogram && buckets.isEmpty() ? defaultBuckets() : buckets;
    bounds.removeIf([](double b) { return std::isnan(b) || std::isinf(b); });
    std::sort(bounds.begin(), bounds.end());
    bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());

    QMutexLocker locker(&m_mutex);
    auto it = m_families.find(name);
    if (it != m_families.end()) {
        if (it->second.type != type) {
            qCWarning(lcApp) << "metrics:" << name << "already described as"
                             << typeName(it->second.type) << "; redescription ignored";
            return;
        }
        it->second.help = help;
        if (type == Type::Histogram && it->second.series.empty())
            it->second.buckets = bounds;
        return;
    }
    Family family;
    family.type = type;
    family.help = help;
    if (type == Type::Histogram)
        family.buckets = bounds;
    m_families.emplace(name, std::move(family));
}

MetricsRegistry::Family *MetricsRegistry::family(const QString &name, Type type,
                                                 const char *operation) {
    auto it = m_families.find(name);
    if (it == m_families.end()) {
        if (!isValidMetricName(name)) {
            qCWarning(lcApp) << "metrics: invalid metric name" << name << "ignored";
            return nullptr;
        }
        Family created;
        created.type = type;
        if (type == Type::Histogram)
            created.buckets = defaultBuckets();
        it = m_families.emplace(name, std::move(created)).first;
    }
    Family &found = it->second;
    const bool allowed = found.type == type || (type == Type::Counter && found.type == Type::Gauge);
    if (!allowed) {
        qCWarning(lcApp) << "metrics:" << operation << "on" << typeName(found.type) << name
                         << "ignored";
        return nullptr;
    }
    return &found;
}

MetricsRegistry::Series *MetricsRegistry::series(Family &family, const QString &name,
                                                 const MetricLabels &labels) {
    const MetricLabels sorted = sortedLabels(labels);
    for (qsizetype i = 0; i < sorted.size(); ++i) {
        const QString &labelName = sorted.at(i).first;
        if (!isValidLabelName(labelName) ||
            (family.type == Type::Histogram && labelName == u"le"_s) ||
            (i > 0 && sorted.at(i - 1).first == labelName)) {
            qCWarning(lcApp) << "metrics: invalid or repeated label" << labelName << "on" << name
                             << "ignored";
            return nullptr;
        }
    }
    auto it = family.series.find(sorted);
    if (it == family.series.end()) {
        Series created;
        if (family.type == Type::Histogram)
            created.bucketCounts.fill(0, family.buckets.size());
        it = family.series.emplace(sorted, std::move(created)).first;
    }
    return &it->second;
}

void MetricsRegistry::increment(const QString &name, const MetricLabels &labels, double by) {
    QMutexLocker locker(&m_mutex);
    Family *f = family(name, Type::Counter, "increment");
    if (!f)
        return;
    if (f->type == Type::Counter && !(by >= 0)) {
        qCWarning(lcApp) << "metrics: counter" << name << "cannot change by" << by;
        return;
    }
    if (Series *s = series(*f, name, labels))
        s->value += by;
}

void MetricsRegistry::set(const QString &name, double value, const MetricLabels &labels) {
    QMutexLocker locker(&m_mutex);
    Family *f = family(name, Type::Gauge, "set");
    if (!f)
        return;
    if (Series *s = series(*f, name, labels))
        s->value = value;
}

void MetricsRegistry::observe(const QString &name, double value, const MetricLabels &labels) {
    QMutexLocker locker(&m_mutex);
    Family *f = family(name, Type::Histogram, "observe");
    if (!f)
        return;
    if (std::isnan(value)) {
        qCWarning(lcApp) << "metrics: NaN observation of" << name << "ignored";
        return;
    }
    Series *s = series(*f, name, labels);
    if (!s)
        return;
    // Stored per bucket; render() accumulates.
    const auto bucket = std::lower_bound(f->buckets.cbegin(), f->buckets.cend(), value);
    if (bucket != f->buckets.cend())
        ++s->bucketCounts[bucket - f->buckets.cbegin()];
    s->sum += value;
    ++s->count;
}

void MetricsRegistry::remove(const QString &name, const MetricLabels &labels) {
    QMutexLocker locker(&m_mutex);
    const auto it = m_families.find(name);
    if (it != m_families.end())
        it->second.series.erase(sortedLabels(labels));
}

QByteArray MetricsRegistry::render() const {
    QMutexLocker locker(&m_mutex);
    QByteArray out;
    for (const auto &[name, family] : m_families) {
        const QByteArray metric = name.toUtf8();
        if (!family.help.isEmpty())
            out += "# HELP " + metric + ' ' + escapeHelp(family.help) + '\n';
        out += "# TYPE " + metric + ' ' + typeName(family.type) + '\n';
        for (const auto &[labels, s] : family.series) {
            if (family.type != Type::Histogram) {
                out += metric + labelText(labels) + ' ' + formatValue(s.value) + '\n';
                continue;
            }
            quint64 cumulative = 0;
            for (qsizetype i = 0; i < family.buckets.size(); ++i) {
                cumulative += s.bucketCounts.at(i);
                out += metric + "_bucket" +
                       labelText(labels, "le", formatValue(family.buckets.at(i))) + ' ' +
                       QByteArray::number(cumulative) + '\n';
            }
            out += metric + "_bucket" + labelText(labels, "le", "+Inf") + ' ' +
                   QByteArray::number(s.count) + '\n';
            out += metric + "_sum" + labelText(labels) + ' ' + formatValue(s.sum) + '\n';
            out += metric + "_count" + labelText(labels) + ' ' + QByteArray::number(s.count) + '\n';
        }
    }
    return out;
}

double MetricsRegistry::value(const QString &name, const MetricLabels &labels) const {
    QMutexLocker locker(&m_mutex);
    const auto it = m_families.find(name);
    if (it == m_families.end())
        return 0;
    const auto s = it->second.series.find(sortedLabels(labels));
    return s == it->second.series.end() ? 0 : s->second.value;
}

quint64 MetricsRegistry::observationCount(const QString &name, const MetricLabels &labels) const {
    QMutexLocker locker(&m_mutex);
    const auto it = m_families.find(name);
    if (it == m_families.end())
        return 0;
    const auto s = it->second.series.find(sortedLabels(labels));
    return s == it->second.series.end() ? 0 : s->second.count;
}
