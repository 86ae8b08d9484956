#include "core/ModelPrices.h"

#include <QRegularExpression>
#include <cmath>

using namespace Qt::StringLiterals;

namespace {
std::optional<double> priceValue(const QString &text) {
    bool ok = false;
    const double value = text.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(value) || value < 0)
        return std::nullopt;
    return value;
}
} // namespace

std::optional<ModelPrices> ModelPrices::parse(const QString &text, QString *error) {
    ModelPrices prices;
    const auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return std::nullopt;
    };
    for (const QString &raw : text.split(u';', Qt::SkipEmptyParts)) {
        const QString entry = raw.trimmed();
        if (entry.isEmpty())
            continue;
        // Split at the last '=' and the last ':' so that model names may hold ':' (Ollama's
        // llama3.2:3b).
        const qsizetype equals = entry.lastIndexOf(u'=');
        const QString model = entry.left(equals).trimmed();
        const QString rates = equals < 0 ? QString() : entry.mid(equals + 1);
        const qsizetype colon = rates.lastIndexOf(u':');
        const std::optional<double> in = priceValue(rates.left(colon));
        const std::optional<double> out = priceValue(rates.mid(colon + 1));
        if (equals < 0 || model.isEmpty() || colon < 0 || !in || !out)
            return fail(u"llm/prices entry '%1' must be MODEL=IN:OUT, US dollars per million "
                        "prompt and completion tokens (numbers >= 0), e.g. "
                        "gpt-4o-mini=0.15:0.60"_s.arg(entry));
        for (const Entry &known : std::as_const(prices.m_entries)) {
            if (known.model == model)
                return fail(u"llm/prices names the model '%1' twice"_s.arg(model));
        }
        prices.m_entries.append({model, {*in, *out}});
    }
    return prices;
}

std::optional<ModelPrices::Price> ModelPrices::price(const QString &model) const {
    static const QRegularExpression dated(uR"(-\d{4}-\d{2}-\d{2}$|-\d{4}$)"_s);
    QString undated = model;
    undated.remove(dated);
    for (const QString &name : {model, undated}) {
        for (const Entry &entry : m_entries) {
            if (entry.model == name)
                return entry.price;
        }
    }
    return std::nullopt;
}

std::optional<double> ModelPrices::cost(const SessionUsage &usage) const {
    double total = 0;
    for (auto it = usage.byModel.constBegin(); it != usage.byModel.constEnd(); ++it) {
        if (it->prompt == 0 && it->completion == 0)
            continue;
        const std::optional<Price> p = price(it.key());
        if (!p)
            return std::nullopt;
        total += (double(it->prompt) * p->inputPerMillion +
                  double(it->completion) * p->outputPerMillion) /
                 1e6;
    }
    return total;
}

QStringList ModelPrices::unpricedModels(const SessionUsage &usage) const {
    QStringList models;
    for (auto it = usage.byModel.constBegin(); it != usage.byModel.constEnd(); ++it) {
        if ((it->prompt != 0 || it->completion != 0) && !price(it.key()))
            models << it.key();
    }
    models.sort();
    return models;
}
