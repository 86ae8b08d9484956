#include "tools/JsonSchemaValidator.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

QJsonObject parse(const char *json) {
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray(json), &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("bad JSON in test: %s", json);
    return document.object();
}

QJsonValue value(const char *json) {
    return QJsonDocument::fromJson("[" + QByteArray(json) + "]").array().at(0);
}

const char *kShippingSchema = R"({
    "type": "object",
    "properties": {
        "weight_kg": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
        "destination": {"type": "string", "minLength": 1, "maxLength": 64},
        "service": {"type": "string", "enum": ["standard", "express"]}
    },
    "required": ["weight_kg", "destination"],
    "additionalProperties": false
})";

} // namespace

class TestJsonSchemaValidator : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void shippingArguments_data() {
        QTest::addColumn<QString>("arguments");
        QTest::addColumn<QStringList>("errors");

        QTest::newRow("valid") << u"{\"weight_kg\":5,\"destination\":\"US\"}"_s << QStringList();
        QTest::newRow("valid with enum")
            << u"{\"weight_kg\":0.5,\"destination\":\"DE\",\"service\":\"express\"}"_s
            << QStringList();
        QTest::newRow("upper bound is inclusive")
            << u"{\"weight_kg\":1000,\"destination\":\"US\"}"_s << QStringList();
        QTest::newRow("negative weight")
            << u"{\"weight_kg\":-3,\"destination\":\"US\"}"_s
            << QStringList{
                   u"weight_kg: must be a number greater than 0 and at most 1000, got -3"_s};
        QTest::newRow("zero weight: the minimum is exclusive")
            << u"{\"weight_kg\":0,\"destination\":\"US\"}"_s
            << QStringList{u"weight_kg: must be a number greater than 0 and at most 1000, got 0"_s};
        QTest::newRow("too heavy")
            << u"{\"weight_kg\":1000.5,\"destination\":\"US\"}"_s
            << QStringList{
                   u"weight_kg: must be a number greater than 0 and at most 1000, got 1000.5"_s};
        QTest::newRow("number as a string")
            << u"{\"weight_kg\":\"5\",\"destination\":\"US\"}"_s
            << QStringList{u"weight_kg: must be a number greater than 0 and at most 1000, got the "
                           "string \"5\""_s};
        QTest::newRow("missing destination")
            << u"{\"weight_kg\":5}"_s
            << QStringList{u"destination: is required (a string of 1 to 64 characters)"_s};
        QTest::newRow("empty destination")
            << u"{\"weight_kg\":5,\"destination\":\"\"}"_s
            << QStringList{u"destination: must be a string of 1 to 64 characters, got \"\""_s};
        QTest::newRow("unknown field")
            << u"{\"weight_kg\":5,\"destination\":\"US\",\"colour\":\"red\"}"_s
            << QStringList{u"colour: is not a known field; the fields are: destination, service, "
                           "weight_kg"_s};
        QTest::newRow("value outside the enum")
            << u"{\"weight_kg\":5,\"destination\":\"US\",\"service\":\"fast\"}"_s
            << QStringList{u"service: must be one of \"standard\", \"express\", got \"fast\""_s};
        QTest::newRow("every problem at once")
            << u"{\"destination\":7,\"weight_kg\":null}"_s
            << QStringList{
                   u"destination: must be a string of 1 to 64 characters, got 7"_s,
                   u"weight_kg: must be a number greater than 0 and at most 1000, got null"_s};
        QTest::newRow("empty object")
            << u"{}"_s
            << QStringList{u"weight_kg: is required (a number greater than 0 and at most 1000)"_s,
                           u"destination: is required (a string of 1 to 64 characters)"_s};
    }

    void shippingArguments() {
        QFETCH(QString, arguments);
        QFETCH(QStringList, errors);
        const QJsonObject object = QJsonDocument::fromJson(arguments.toUtf8()).object();
        QCOMPARE(JsonSchemaValidator::validate(object, parse(kShippingSchema)), errors);
    }

    void rootMustHaveTheRightType() {
        QCOMPARE(JsonSchemaValidator::validate(QJsonArray{1, 2}, parse(kShippingSchema)),
                 QStringList{u"arguments: must be an object, got an array"_s});
    }

    void integers() {
        const QJsonObject schema = parse(R"({"type":"integer","minimum":1,"maximum":10})");
        QVERIFY(JsonSchemaValidator::validate(3, schema).isEmpty());
        QVERIFY(JsonSchemaValidator::validate(3.0, schema).isEmpty());
        QCOMPARE(
            JsonSchemaValidator::validate(2.5, schema),
            QStringList{u"arguments: must be an integer at least 1 and at most 10, got 2.5"_s});
        QCOMPARE(JsonSchemaValidator::validate(11, schema),
                 QStringList{u"arguments: must be an integer at least 1 and at most 10, got 11"_s});
    }

    void exclusiveMaximumAndDraft4Booleans() {
        QCOMPARE(
            JsonSchemaValidator::validate(10, parse(R"({"type":"number","exclusiveMaximum":10})")),
            QStringList{u"arguments: must be a number less than 10, got 10"_s});
        const QJsonObject draft4 = parse(
            R"({"type":"number","minimum":0,"exclusiveMinimum":true,"maximum":1,"exclusiveMaximum":true})");
        QVERIFY(JsonSchemaValidator::validate(0.5, draft4).isEmpty());
        QCOMPARE(
            JsonSchemaValidator::validate(0, draft4),
            QStringList{u"arguments: must be a number greater than 0 and less than 1, got 0"_s});
        QCOMPARE(JsonSchemaValidator::validate(1, draft4).size(), 1);
    }

    void booleansAndNull() {
        const QJsonObject schema = parse(
            R"({"type":"object","properties":{"flag":{"type":"boolean"},"note":{"type":["string","null"]}}})");
        QVERIFY(
            JsonSchemaValidator::validate(parse(R"({"flag":true,"note":null})"), schema).isEmpty());
        QCOMPARE(JsonSchemaValidator::validate(parse(R"({"flag":1,"note":5})"), schema),
                 (QStringList{u"flag: must be a boolean (true or false), got 1"_s,
                              u"note: must be a string or null, got 5"_s}));
    }

    void stringLengthCountsCharactersNotUtf16Units() {
        const QJsonObject schema = parse(R"({"type":"string","maxLength":2})");
        QVERIFY(JsonSchemaValidator::validate(u"\U0001F600\U0001F600"_s, schema).isEmpty());
        QCOMPARE(
            JsonSchemaValidator::validate(u"abc"_s, schema),
            QStringList{u"arguments: must be a string of at most 2 characters, got \"abc\""_s});
        QCOMPARE(JsonSchemaValidator::validate(u""_s, parse(R"({"type":"string","minLength":1})")),
                 QStringList{u"arguments: must be a string of at least 1 character, got \"\""_s});
    }

    void pattern() {
        const QJsonObject schema = parse(R"({"type":"string","pattern":"^[A-Z]{2}$"})");
        QVERIFY(JsonSchemaValidator::validate(u"US"_s, schema).isEmpty());
        QCOMPARE(JsonSchemaValidator::validate(u"usa"_s, schema),
                 QStringList{u"arguments: must match the pattern ^[A-Z]{2}$, got \"usa\""_s});
    }

    void nestedObjectsAndArrays() {
        const QJsonObject schema = parse(R"({
            "type": "object",
            "properties": {
                "parcel": {"type": "object",
                           "properties": {"tags": {"type": "array", "items": {"type": "string"},
                                                   "minItems": 1, "maxItems": 3}},
                           "required": ["tags"], "additionalProperties": false}
            }
        })");
        QVERIFY(JsonSchemaValidator::validate(parse(R"({"parcel":{"tags":["a","b"]}})"), schema)
                    .isEmpty());
        QCOMPARE(JsonSchemaValidator::validate(parse(R"({"parcel":{"tags":["a",3]}})"), schema),
                 QStringList{u"parcel.tags[1]: must be a string, got 3"_s});
        QCOMPARE(JsonSchemaValidator::validate(parse(R"({"parcel":{"tags":[]}})"), schema),
                 QStringList{u"parcel.tags: must have at least 1 items, got 0"_s});
        QCOMPARE(JsonSchemaValidator::validate(parse(R"({"parcel":{"tags":["a","b","c","d"]}})"),
                                               schema),
                 QStringList{u"parcel.tags: must have at most 3 items, got 4"_s});
        QCOMPARE(JsonSchemaValidator::validate(parse(R"({"parcel":{"x":1}})"), schema),
                 (QStringList{u"parcel.tags: is required (an array)"_s,
                              u"parcel.x: is not a known field; the fields are: tags"_s}));
    }

    void additionalPropertiesSchema() {
        const QJsonObject schema =
            parse(R"({"type":"object","additionalProperties":{"type":"number"}})");
        QVERIFY(JsonSchemaValidator::validate(parse(R"({"a":1,"b":2})"), schema).isEmpty());
        QCOMPARE(JsonSchemaValidator::validate(parse(R"({"a":"x"})"), schema),
                 QStringList{u"a: must be a number, got the string \"x\""_s});
    }

    // Found by fuzz_jsonschemavalidator: the error began with ": is not a known field".
    void anEmptyFieldNameIsShownQuoted() {
        const QJsonObject schema = parse(
            R"({"type":"object","properties":{"a":{"type":"object","properties":{"":{}},
                "required":[""]}},"additionalProperties":false})");
        QCOMPARE(JsonSchemaValidator::validate(parse(R"({"":1,"a":{}})"), schema),
                 (QStringList{u"\"\": is not a known field; the fields are: a"_s,
                              u"a.\"\": is required (a valid value)"_s}));
    }

    void longValuesAreShortenedInMessages() {
        const QString longText(500, u'x');
        const QStringList errors =
            JsonSchemaValidator::validate(longText, parse(R"({"type":"string","maxLength":10})"));
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors.first().size() < 150, qPrintable(errors.first()));
        QVERIFY(errors.first().endsWith(u"...\""_s));
    }

    void emptySchemaAcceptsAnything() {
        QVERIFY(JsonSchemaValidator::validate(value("[1,{\"a\":null}]"), {}).isEmpty());
        QVERIFY(JsonSchemaValidator::validate(value("\"text\""), {}).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestJsonSchemaValidator)
#include "tst_jsonschemavalidator.moc"
