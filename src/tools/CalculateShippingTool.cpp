#include "tools/CalculateShippingTool.h"

#include <QJsonArray>
#include <QJsonObject>
#include <cmath>

using namespace Qt::StringLiterals;

namespace {

QString normalized(const QString &name) {
    QString text = name.trimmed().toLower();
    text.remove(u'.');
    return text.simplified();
}

QString money(double usd) {
    return QString::number(usd, 'f', 2);
}

} // namespace

const QList<CalculateShippingTool::Rate> &CalculateShippingTool::rates() {
    // Keep README.md ("### Tools") in step with this table.
    static const QList<Rate> table = {
        {u"US"_s,
         u"United States"_s,
         {u"USA"_s, u"United States of America"_s, u"America"_s},
         5.00,
         2.00,
         3,
         5},
        {u"CA"_s, u"Canada"_s, {}, 8.00, 2.50, 4, 7},
        {u"MX"_s, u"Mexico"_s, {}, 9.00, 3.00, 5, 9},
        {u"GB"_s,
         u"United Kingdom"_s,
         {u"UK"_s, u"Great Britain"_s, u"Britain"_s, u"England"_s},
         10.00,
         3.50,
         5,
         8},
        {u"DE"_s, u"Germany"_s, {}, 10.00, 3.25, 5, 8},
        {u"FR"_s, u"France"_s, {}, 10.00, 3.25, 5, 8},
        {u"ES"_s, u"Spain"_s, {}, 11.00, 3.50, 6, 9},
        {u"IT"_s, u"Italy"_s, {}, 11.00, 3.50, 6, 9},
        {u"JP"_s, u"Japan"_s, {}, 12.00, 4.00, 6, 10},
        {u"CN"_s, u"China"_s, {}, 11.00, 3.75, 7, 12},
        {u"IN"_s, u"India"_s, {}, 11.00, 3.50, 7, 14},
        {u"AU"_s, u"Australia"_s, {}, 14.00, 4.50, 7, 12},
        {u"BR"_s, u"Brazil"_s, {}, 13.00, 4.25, 8, 15},
        {u"ZA"_s, u"South Africa"_s, {}, 15.00, 5.00, 9, 16},
    };
    return table;
}

const CalculateShippingTool::Rate *CalculateShippingTool::findRate(const QString &destination) {
    const QString wanted = normalized(destination);
    if (wanted.isEmpty())
        return nullptr;
    for (const Rate &rate : rates()) {
        if (wanted == rate.code.toLower() || wanted == normalized(rate.country))
            return &rate;
        for (const QString &alias : rate.aliases) {
            if (wanted == normalized(alias))
                return &rate;
        }
    }
    return nullptr;
}

QString CalculateShippingTool::name() const {
    return u"calculate_shipping"_s;
}

QString CalculateShippingTool::description() const {
    QStringList lines;
    for (const Rate &rate : rates())
        lines << u"%1 %2: $%3 + $%4/kg, %5-%6 days"_s
                     .arg(rate.code, rate.country, money(rate.baseUsd), money(rate.perKgUsd))
                     .arg(rate.minDays)
                     .arg(rate.maxDays);
    return u"Calculate the shipping cost (USD) and delivery estimate (business days) for a parcel. "
           "Standard rates: cost = base + per-kg rate x weight; express costs twice as much and "
           "takes half the days (at least 1). Destinations: "_s +
           lines.join(u"; "_s) + u". Other destinations are not served."_s;
}

QJsonObject CalculateShippingTool::parametersSchema() const {
    return QJsonObject{
        {u"type"_s, u"object"_s},
        {u"properties"_s,
         QJsonObject{
             {u"weight_kg"_s, QJsonObject{{u"type"_s, u"number"_s},
                                          {u"exclusiveMinimum"_s, 0},
                                          {u"maximum"_s, kMaxWeightKg},
                                          {u"description"_s, u"Parcel weight in kilograms"_s}}},
             {u"destination"_s,
              QJsonObject{{u"type"_s, u"string"_s},
                          {u"minLength"_s, 1},
                          {u"maxLength"_s, 64},
                          {u"description"_s,
                           u"Destination country: ISO 3166-1 alpha-2 code (e.g. \"US\") or English "
                           "name (e.g. \"Germany\")"_s}}},
             {u"service"_s, QJsonObject{{u"type"_s, u"string"_s},
                                        {u"enum"_s, QJsonArray{u"standard"_s, u"express"_s}},
                                        {u"description"_s, u"Shipping speed; default standard"_s}}},
         }},
        {u"required"_s, QJsonArray{u"weight_kg"_s, u"destination"_s}},
        {u"additionalProperties"_s, false},
    };
}

ToolResult CalculateShippingTool::quote(const QJsonObject &arguments) {
    const QJsonValue weightValue = arguments.value(u"weight_kg"_s);
    const double weight = weightValue.toDouble(-1);
    if (!weightValue.isDouble() || !(weight > 0) || weight > kMaxWeightKg)
        return ToolResult::failure(
            u"weight_kg: must be a number greater than 0 and at most %1, got %2"_s.arg(kMaxWeightKg)
                .arg(weightValue.isDouble() ? QString::number(weight) : u"no number"_s));
    const QString destination = arguments.value(u"destination"_s).toString();
    const Rate *rate = findRate(destination);
    if (!rate) {
        QStringList known;
        for (const Rate &r : rates())
            known << u"%1 (%2)"_s.arg(r.code, r.country);
        return ToolResult::failure(
            u"destination: we do not ship to \"%1\"; known destinations: %2"_s.arg(
                destination, known.join(u", "_s)));
    }
    const QString service = arguments.value(u"service"_s).toString(u"standard"_s);
    const bool express = service == u"express";
    if (!express && service != u"standard")
        return ToolResult::failure(
            u"service: must be \"standard\" or \"express\", got \"%1\""_s.arg(service));

    double cost = rate->baseUsd + rate->perKgUsd * weight;
    int minDays = rate->minDays;
    int maxDays = rate->maxDays;
    if (express) {
        cost *= 2;
        minDays = std::max(1, minDays / 2);
        maxDays = std::max(1, maxDays / 2);
    }
    cost = std::round(cost * 100) / 100;
    const QString estimate =
        minDays == maxDays ? u"%1 business day%2"_s.arg(minDays).arg(minDays == 1 ? u""_s : u"s"_s)
                           : u"%1-%2 business days"_s.arg(minDays).arg(maxDays);
    return ToolResult::success(QJsonObject{
        {u"destination"_s, rate->code},
        {u"country"_s, rate->country},
        {u"weight_kg"_s, weight},
        {u"service"_s, express ? u"express"_s : u"standard"_s},
        {u"cost"_s, cost},
        {u"currency"_s, u"USD"_s},
        {u"delivery_days_min"_s, minDays},
        {u"delivery_days_max"_s, maxDays},
        {u"delivery_estimate"_s, estimate},
    });
}

QFuture<ToolResult> CalculateShippingTool::invoke(const QJsonObject &arguments) {
    return QtFuture::makeReadyFuture(quote(arguments));
}
