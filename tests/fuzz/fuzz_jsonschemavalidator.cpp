// JsonSchemaValidator, on both sides: a fuzzed schema and fuzzed arguments. Input: the schema
// (JSON), a line "%%", the value (JSON). Properties: no crash, the same errors every time, each
// error names a field and says what is expected; a value always satisfies the empty schema, an
// enum listing it and a type list naming its type.
#include "FuzzSupport.h"
#include "tools/JsonSchemaValidator.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace {

QString typeName(const QJsonValue &value) {
    switch (value.type()) {
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Bool:
        return u"boolean"_s;
    case QJsonValue::Double:
        return u"number"_s;
    case QJsonValue::String:
        return u"string"_s;
    case QJsonValue::Array:
        return u"array"_s;
    case QJsonValue::Object:
        return u"object"_s;
    case QJsonValue::Undefined:
        break;
    }
    return {};
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    fuzzQuietQt(); // an invalid "pattern" warns at every match
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QList<QByteArray> parts = fuzzSections(fuzzBytes(data, size), 2);
    const QJsonDocument schemaDocument = QJsonDocument::fromJson(parts[0]);
    const QJsonDocument valueDocument = QJsonDocument::fromJson(parts[1]);
    const QJsonObject schema = schemaDocument.object();
    const QJsonValue value =
        valueDocument.isObject() ? QJsonValue(valueDocument.object())
        : valueDocument.isArray()
            ? QJsonValue(valueDocument.array())
            // A scalar: fromJson takes none, so use the second part as a string.
            : QJsonValue(QString::fromUtf8(parts[1]));

    const QStringList errors = JsonSchemaValidator::validate(value, schema);
    FUZZ_CHECK(errors == JsonSchemaValidator(schema).validate(value), u"deterministic"_s);
    for (const QString &error : errors) {
        // A field name is never empty, but may itself contain ": ".
        const qsizetype colon = error.indexOf(u": "_s, 1);
        FUZZ_CHECK(colon > 0 && colon + 2 < error.size(),
                   u"an error is \"field: what is wrong\": "_s + error);
    }
    // Each scalar of the schema is a candidate value too (numbers and strings of bounds, enums).
    for (auto it = schema.begin(); it != schema.end(); ++it) {
        if (it.value().isObject() || it.value().isArray())
            continue;
        JsonSchemaValidator::validate(it.value(), schema);
    }

    FUZZ_CHECK(JsonSchemaValidator::validate(value, QJsonObject()).isEmpty(),
               u"the empty schema accepts everything"_s);
    FUZZ_CHECK(
        JsonSchemaValidator::validate(value, QJsonObject{{u"enum"_s, QJsonArray{value}}}).isEmpty(),
        u"an enum accepts its members"_s);
    const QJsonObject typed{{u"type"_s, QJsonArray{u"integer"_s, typeName(value)}}};
    const QStringList typeErrors = JsonSchemaValidator::validate(value, typed);
    FUZZ_CHECK(typeErrors.isEmpty(), typeErrors.join(u'\n'));
    return 0;
}
