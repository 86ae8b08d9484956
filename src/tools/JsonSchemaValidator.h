#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>

// Validates JSON values against the subset of JSON Schema that tool parameters use:
// type (string, integer, number, boolean, object, array, null, or a list of them), enum,
// properties, required, additionalProperties (false or a schema), minimum, maximum,
// exclusiveMinimum, exclusiveMaximum (draft 6 numbers or draft 4 booleans), minLength,
// maxLength, pattern, items, minItems, maxItems. Other keywords are ignored.
//
// Each error names the field and says what is expected and what was given, e.g.
// "weight_kg: must be a number greater than 0, got -3", so a model can correct its call.
class JsonSchemaValidator {
public:
    explicit JsonSchemaValidator(const QJsonObject &schema);

    // Every problem found, in document order; empty when the value is valid.
    QStringList validate(const QJsonValue &value) const;

    static QStringList validate(const QJsonValue &value, const QJsonObject &schema);

private:
    QJsonObject m_schema;
};
