#pragma once

#include "core/SessionUsage.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

// What each model's tokens cost, in US dollars per million prompt (input) and completion
// (output) tokens: the `llm/prices` setting, "MODEL=IN:OUT;MODEL=IN:OUT". A model name also
// matches itself with a release date appended ("gpt-4o-mini" prices "gpt-4o-mini-2024-07-18"),
// as OpenAI names the model that answered.
class ModelPrices {
public:
    struct Price {
        double inputPerMillion = 0;
        double outputPerMillion = 0;
    };

    // nullopt (and in *error what is wrong, naming the entry) when the text is not a list of
    // MODEL=IN:OUT entries with prices that are numbers >= 0. Empty text: no prices.
    static std::optional<ModelPrices> parse(const QString &text, QString *error = nullptr);

    std::optional<Price> price(const QString &model) const;
    // The estimated cost of the usage; nullopt when a model that used tokens has no price.
    std::optional<double> cost(const SessionUsage &usage) const;
    // The models of the usage that used tokens and have no price, sorted.
    QStringList unpricedModels(const SessionUsage &usage) const;
    bool isEmpty() const { return m_entries.isEmpty(); }

private:
    struct Entry {
        QString model;
        Price price;
    };
    QList<Entry> m_entries;
};
