#pragma once

#include "tools/Tool.h"

#include <QList>

// calculate_shipping: weight (kg) and destination country → cost and delivery estimate, from
// the fixed rate table below (also in README and in the tool's description).
// cost = base + per_kg × weight_kg, rounded to cents; express doubles the cost and halves the days.
class CalculateShippingTool : public Tool {
public:
    struct Rate {
        QString code;        // ISO 3166-1 alpha-2
        QString country;     // common English name
        QStringList aliases; // other English names, matched case-insensitively
        double baseUsd = 0;
        double perKgUsd = 0;
        int minDays = 0; // standard service, business days
        int maxDays = 0;
    };

    static constexpr double kMaxWeightKg = 1000;

    static const QList<Rate> &rates();
    // The rate for an ISO code or English name (case-insensitive, surrounding spaces and dots
    // ignored), or nullptr.
    static const Rate *findRate(const QString &destination);

    QString name() const override;
    QString description() const override;
    QJsonObject parametersSchema() const override;
    QFuture<ToolResult> invoke(const QJsonObject &arguments) override;

    // The computation itself, synchronous.
    static ToolResult quote(const QJsonObject &arguments);
};
