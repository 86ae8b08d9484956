#include "tools/JsonSchemaValidator.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QRegularExpression>
#include <cmath>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

QString number(double value) {
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

QString literal(const QJsonValue &value) {
    switch (value.type()) {
    case QJsonValue::String: {
        QString text = value.toString();
        if (text.size() > 60)
            text = text.left(57) + u"..."_s;
        return u'"' + text + u'"';
    }
    case QJsonValue::Double:
        return number(value.toDouble());
    case QJsonValue::Bool:
        return value.toBool() ? u"true"_s : u"false"_s;
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Array:
        return u"an array"_s;
    case QJsonValue::Object:
        return u"an object"_s;
    case QJsonValue::Undefined:
        break;
    }
    return u"nothing"_s;
}

QStringList types(const QJsonObject &schema) {
    const QJsonValue type = schema.value(u"type"_s);
    if (type.isString())
        return {type.toString()};
    QStringList list;
    for (const QJsonValue &t : type.toArray())
        list << t.toString();
    return list;
}

bool isInteger(const QJsonValue &value) {
    return value.isDouble() && std::isfinite(value.toDouble()) &&
           value.toDouble() == std::trunc(value.toDouble());
}

bool hasType(const QJsonValue &value, const QString &type) {
    if (type == u"string")
        return value.isString();
    if (type == u"number")
        return value.isDouble();
    if (type == u"integer")
        return isInteger(value);
    if (type == u"boolean")
        return value.isBool();
    if (type == u"object")
        return value.isObject();
    if (type == u"array")
        return value.isArray();
    if (type == u"null")
        return value.isNull();
    return true; // unknown type names are not ours to reject
}

QString typeWord(const QString &type) {
    if (type == u"integer")
        return u"an integer"_s;
    if (type == u"array")
        return u"an array"_s;
    if (type == u"object")
        return u"an object"_s;
    if (type == u"null")
        return u"null"_s;
    if (type == u"boolean")
        return u"a boolean (true or false)"_s;
    return u"a "_s + type;
}

struct Bound {
    double value = 0;
    bool exclusive = false;
};

// Draft 6+ (exclusiveMinimum: number) and draft 4 (exclusiveMinimum: true + minimum).
std::optional<Bound> bound(const QJsonObject &schema, const QString &inclusiveKey,
                           const QString &exclusiveKey, bool lower) {
    std::optional<Bound> result;
    const QJsonValue inclusive = schema.value(inclusiveKey);
    const QJsonValue exclusive = schema.value(exclusiveKey);
    if (inclusive.isDouble())
        result = Bound{inclusive.toDouble(), exclusive.toBool(false)};
    if (exclusive.isDouble()) {
        const double e = exclusive.toDouble();
        const bool tighter = !result || (lower ? e >= result->value : e <= result->value);
        if (tighter)
            result = Bound{e, true};
    }
    return result;
}

QString numberConstraints(const QJsonObject &schema) {
    QStringList parts;
    if (const auto min = bound(schema, u"minimum"_s, u"exclusiveMinimum"_s, true))
        parts << (min->exclusive ? u"greater than "_s : u"at least "_s) + number(min->value);
    if (const auto max = bound(schema, u"maximum"_s, u"exclusiveMaximum"_s, false))
        parts << (max->exclusive ? u"less than "_s : u"at most "_s) + number(max->value);
    return parts.join(u" and "_s);
}

QString stringConstraints(const QJsonObject &schema) {
    const int min = schema.value(u"minLength"_s).toInt(-1);
    const int max = schema.value(u"maxLength"_s).toInt(-1);
    const auto characters = [](int n) { return n == 1 ? u"character"_s : u"characters"_s; };
    if (min > 0 && max >= 0)
        return u"of %1 to %2 characters"_s.arg(min).arg(max);
    if (min > 0)
        return u"of at least %1 %2"_s.arg(min).arg(characters(min));
    if (max >= 0)
        return u"of at most %1 %2"_s.arg(max).arg(characters(max));
    return {};
}

// What a value of `schema` looks like, in words: "a number greater than 0 and at most 1000".
QString expectation(const QJsonObject &schema) {
    const QJsonArray allowed = schema.value(u"enum"_s).toArray();
    if (!allowed.isEmpty()) {
        QStringList options;
        for (const QJsonValue &option : allowed)
            options << literal(option);
        return u"one of "_s + options.join(u", "_s);
    }
    QStringList words;
    for (const QString &type : types(schema)) {
        QString word = typeWord(type);
        const QString constraints = type == u"number" || type == u"integer"
                                        ? numberConstraints(schema)
                                    : type == u"string" ? stringConstraints(schema)
                                                        : QString();
        if (!constraints.isEmpty())
            word += u' ' + constraints;
        words << word;
    }
    return words.isEmpty() ? u"a valid value"_s : words.join(u" or "_s);
}

qsizetype codePoints(const QString &text) {
    qsizetype count = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (!(text.at(i).isLowSurrogate() && i > 0 && text.at(i - 1).isHighSurrogate()))
            ++count;
    }
    return count;
}

QString join(const QString &path, const QString &key) {
    const QString name = key.isEmpty() ? u"\"\""_s : key; // an error must name its field
    return path.isEmpty() ? name : path + u'.' + name;
}

class Validation {
public:
    QStringList errors;

    void check(const QJsonValue &value, const QJsonObject &schema, const QString &path) {
        const QString field = path.isEmpty() ? u"arguments"_s : path;
        const auto fail = [&] {
            errors << u"%1: must be %2, got %3"_s.arg(field, expectation(schema), literal(value));
        };

        const QStringList allowedTypes = types(schema);
        if (!allowedTypes.isEmpty()) {
            bool matches = false;
            for (const QString &type : allowedTypes)
                matches = matches || hasType(value, type);
            if (!matches) {
                const bool quoted = value.isString() && !schema.contains(u"enum"_s);
                errors << u"%1: must be %2, got %3%4"_s.arg(field, expectation(schema),
                                                            quoted ? u"the string "_s : QString(),
                                                            literal(value));
                return;
            }
        }
        if (schema.contains(u"enum"_s) && !schema.value(u"enum"_s).toArray().contains(value)) {
            fail();
            return;
        }
        if (value.isDouble()) {
            const double x = value.toDouble();
            const auto min = bound(schema, u"minimum"_s, u"exclusiveMinimum"_s, true);
            const auto max = bound(schema, u"maximum"_s, u"exclusiveMaximum"_s, false);
            const bool tooSmall = min && (min->exclusive ? !(x > min->value) : !(x >= min->value));
            const bool tooLarge = max && (max->exclusive ? !(x < max->value) : !(x <= max->value));
            if (tooSmall || tooLarge || !std::isfinite(x))
                fail();
        } else if (value.isString()) {
            const qsizetype length = codePoints(value.toString());
            const int min = schema.value(u"minLength"_s).toInt(-1);
            const int max = schema.value(u"maxLength"_s).toInt(-1);
            if ((min >= 0 && length < min) || (max >= 0 && length > max)) {
                fail();
                return;
            }
            const QString pattern = schema.value(u"pattern"_s).toString();
            if (!pattern.isEmpty() &&
                !QRegularExpression(pattern).match(value.toString()).hasMatch())
                errors << u"%1: must match the pattern %2, got %3"_s.arg(field, pattern,
                                                                         literal(value));
        } else if (value.isObject()) {
            checkObject(value.toObject(), schema, path);
        } else if (value.isArray()) {
            checkArray(value.toArray(), schema, field);
        }
    }

private:
    void checkObject(const QJsonObject &object, const QJsonObject &schema, const QString &path) {
        const QJsonObject properties = schema.value(u"properties"_s).toObject();
        for (const QJsonValue &required : schema.value(u"required"_s).toArray()) {
            const QString key = required.toString();
            if (!object.contains(key))
                errors << u"%1: is required (%2)"_s.arg(
                    join(path, key), expectation(properties.value(key).toObject()));
        }
        const QJsonValue additional = schema.value(u"additionalProperties"_s);
        for (auto it = object.begin(); it != object.end(); ++it) {
            const QString key = it.key();
            if (properties.contains(key)) {
                check(it.value(), properties.value(key).toObject(), join(path, key));
            } else if (additional.isBool() && !additional.toBool()) {
                QStringList known = properties.keys();
                errors << u"%1: is not a known field; the fields are: %2"_s.arg(
                    join(path, key), known.isEmpty() ? u"(none)"_s : known.join(u", "_s));
            } else if (additional.isObject()) {
                check(it.value(), additional.toObject(), join(path, key));
            }
        }
    }

    void checkArray(const QJsonArray &array, const QJsonObject &schema, const QString &field) {
        const int minItems = schema.value(u"minItems"_s).toInt(-1);
        const int maxItems = schema.value(u"maxItems"_s).toInt(-1);
        if (minItems >= 0 && array.size() < minItems)
            errors << u"%1: must have at least %2 items, got %3"_s.arg(
                field, QString::number(minItems), QString::number(array.size()));
        if (maxItems >= 0 && array.size() > maxItems)
            errors << u"%1: must have at most %2 items, got %3"_s.arg(
                field, QString::number(maxItems), QString::number(array.size()));
        const QJsonValue items = schema.value(u"items"_s);
        if (!items.isObject())
            return;
        for (qsizetype i = 0; i < array.size(); ++i)
            check(array.at(i), items.toObject(), field + u'[' + QString::number(i) + u']');
    }
};

} // namespace

JsonSchemaValidator::JsonSchemaValidator(const QJsonObject &schema)
    : m_schema(schema) {}

QStringList JsonSchemaValidator::validate(const QJsonValue &value) const {
    Validation validation;
    validation.check(value, m_schema, {});
    return validation.errors;
}

QStringList JsonSchemaValidator::validate(const QJsonValue &value, const QJsonObject &schema) {
    return JsonSchemaValidator(schema).validate(value);
}
