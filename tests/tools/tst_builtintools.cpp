#include "fixtures/TestEnvironment.h"
#include "tools/CalculateShippingTool.h"
#include "tools/CalculatorTool.h"
#include "tools/GetCurrentTimeTool.h"
#include "tools/ToolRegistry.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

ToolResult call(const QString &tool, const QString &arguments) {
    ToolRegistry registry;
    registry.addBuiltinTools();
    QFuture<ToolResult> future = registry.invoke({u"call_1"_s, tool, arguments});
    if (!QTest::qWaitFor([&] { return future.isFinished(); }, 5000) || future.resultCount() != 1)
        return ToolResult::failure(u"test: no result"_s);
    return future.resultAt(0);
}

} // namespace

class TestBuiltinTools : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void seedShippingQuestion() {
        // "How much to ship 5kg to the US?"
        const ToolResult result =
            call(u"calculate_shipping"_s, u"{\"weight_kg\":5,\"destination\":\"US\"}"_s);
        QVERIFY2(result.ok, qPrintable(result.error));
        const QJsonObject quote = result.value.toObject();
        QCOMPARE(quote.value(u"destination"_s), u"US"_s);
        QCOMPARE(quote.value(u"country"_s), u"United States"_s);
        QCOMPARE(quote.value(u"cost"_s).toDouble(), 15.0); // 5.00 + 2.00 × 5
        QCOMPARE(quote.value(u"currency"_s), u"USD"_s);
        QCOMPARE(quote.value(u"delivery_days_min"_s).toInt(), 3);
        QCOMPARE(quote.value(u"delivery_days_max"_s).toInt(), 5);
        QCOMPARE(quote.value(u"delivery_estimate"_s), u"3-5 business days"_s);
        QCOMPARE(quote.value(u"service"_s), u"standard"_s);
        QVERIFY(result.toModelText().contains(u"\"cost\":15"_s));
    }

    void shippingDestinationNames_data() {
        QTest::addColumn<QString>("destination");
        QTest::addColumn<QString>("code");
        for (const char *name : {"US", "us", " Us ", "U.S.", "USA", "united states",
                                 "United States of America", "America"})
            QTest::newRow(name) << QString::fromUtf8(name) << u"US"_s;
        QTest::newRow("UK") << u"UK"_s << u"GB"_s;
        QTest::newRow("great britain") << u"great britain"_s << u"GB"_s;
        QTest::newRow("Germany") << u"GERMANY"_s << u"DE"_s;
        QTest::newRow("jp") << u"jp"_s << u"JP"_s;
        QTest::newRow("South  Africa") << u"South  Africa"_s << u"ZA"_s;
    }

    void shippingDestinationNames() {
        QFETCH(QString, destination);
        QFETCH(QString, code);
        const CalculateShippingTool::Rate *rate = CalculateShippingTool::findRate(destination);
        QVERIFY(rate);
        QCOMPARE(rate->code, code);
    }

    void shippingCostsFollowTheTable() {
        const ToolResult germany = CalculateShippingTool::quote(
            QJsonObject{{u"weight_kg"_s, 2.5}, {u"destination"_s, u"Germany"_s}});
        QVERIFY(germany.ok);
        QCOMPARE(germany.value[u"cost"_s].toDouble(), 18.13); // 10.00 + 3.25 × 2.5 = 18.125
        const ToolResult express = CalculateShippingTool::quote(QJsonObject{
            {u"weight_kg"_s, 5}, {u"destination"_s, u"us"_s}, {u"service"_s, u"express"_s}});
        QVERIFY(express.ok);
        QCOMPARE(express.value[u"cost"_s].toDouble(), 30.0);
        QCOMPARE(express.value[u"delivery_estimate"_s], u"1-2 business days"_s);
        QCOMPARE(express.value[u"service"_s], u"express"_s);
    }

    void shippingRateTable() {
        const QList<CalculateShippingTool::Rate> &rates = CalculateShippingTool::rates();
        QVERIFY(rates.size() >= 10);
        QSet<QString> codes;
        const QString description = CalculateShippingTool().description();
        for (const CalculateShippingTool::Rate &rate : rates) {
            QCOMPARE(rate.code.size(), 2);
            QVERIFY(!codes.contains(rate.code));
            codes.insert(rate.code);
            QVERIFY(rate.baseUsd > 0 && rate.perKgUsd > 0);
            QVERIFY(rate.minDays >= 1 && rate.minDays <= rate.maxDays);
            QVERIFY2(description.contains(rate.code + u' ' + rate.country), qPrintable(rate.code));
        }
    }

    void readmeDocumentsTheRateTable() {
        QFile readme(TestEnvironment::sourceDir() + u"/README.md"_s);
        QVERIFY(readme.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(readme.readAll());
        for (const CalculateShippingTool::Rate &rate : CalculateShippingTool::rates()) {
            const QRegularExpression row(
                u"^\\| %1 \\| %2[^|]*\\| %3 \\| %4 \\| %5-%6 \\|$"_s.arg(
                    rate.code, rate.country, QString::number(rate.baseUsd, 'f', 2),
                    QString::number(rate.perKgUsd, 'f', 2), QString::number(rate.minDays),
                    QString::number(rate.maxDays)),
                QRegularExpression::MultilineOption);
            QVERIFY2(row.match(text).hasMatch(), qPrintable(row.pattern()));
        }
    }

    void shippingErrors_data() {
        QTest::addColumn<QString>("arguments");
        QTest::addColumn<QString>("error");
        QTest::newRow("zero weight")
            << u"{\"weight_kg\":0,\"destination\":\"US\"}"_s
            << u"weight_kg: must be a number greater than 0 and at most 1000, got 0"_s;
        QTest::newRow("negative weight")
            << u"{\"weight_kg\":-3,\"destination\":\"US\"}"_s
            << u"weight_kg: must be a number greater than 0 and at most 1000, got -3"_s;
        QTest::newRow("too heavy")
            << u"{\"weight_kg\":5000,\"destination\":\"US\"}"_s << u"got 5000"_s;
        QTest::newRow("weight as text")
            << u"{\"weight_kg\":\"5kg\",\"destination\":\"US\"}"_s << u"got the string \"5kg\""_s;
        QTest::newRow("no destination") << u"{\"weight_kg\":5}"_s << u"destination: is required"_s;
        QTest::newRow("unknown destination")
            << u"{\"weight_kg\":5,\"destination\":\"Atlantis\"}"_s
            << u"destination: we do not ship to \"Atlantis\"; known destinations: US (United "
               "States), CA (Canada)"_s;
        QTest::newRow("unknown service")
            << u"{\"weight_kg\":5,\"destination\":\"US\",\"service\":\"overnight\"}"_s
            << u"service: must be one of \"standard\", \"express\", got \"overnight\""_s;
    }

    void shippingErrors() {
        QFETCH(QString, arguments);
        QFETCH(QString, error);
        const ToolResult result = call(u"calculate_shipping"_s, arguments);
        QVERIFY(!result.ok);
        QVERIFY2(result.error.contains(error), qPrintable(result.error));
        QVERIFY(result.toModelText().startsWith(u"{\"error\":"_s));
    }

    void shippingQuoteChecksItsOwnInput() {
        // Tools can be called without the registry (and its validation) too.
        QVERIFY(!CalculateShippingTool::quote(QJsonObject{{u"destination"_s, u"US"_s}}).ok);
        QVERIFY(!CalculateShippingTool::quote(
                     QJsonObject{{u"weight_kg"_s, qQNaN()}, {u"destination"_s, u"US"_s}})
                     .ok);
        const ToolResult unknown = CalculateShippingTool::quote(
            QJsonObject{{u"weight_kg"_s, 1}, {u"destination"_s, u"XX"_s}});
        QVERIFY(!unknown.ok);
        for (const CalculateShippingTool::Rate &rate : CalculateShippingTool::rates())
            QVERIFY(unknown.error.contains(rate.code + u" ("_s + rate.country + u')'));
    }

    void calculator() {
        ToolResult result = call(u"calculator"_s, u"{\"expression\":\"10 + 2\"}"_s);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.value[u"result"_s].toDouble(), 12.0);
        QCOMPARE(result.toModelText(), u"{\"expression\":\"10 + 2\",\"result\":12}"_s);

        result = call(u"calculator"_s, u"{\"expression\":\"0.1 + 0.2\"}"_s);
        QCOMPARE(result.value[u"result"_s].toDouble(), 0.3);

        result = call(u"calculator"_s, u"{\"expression\":\"7 / 0\"}"_s);
        QVERIFY(!result.ok);
        QVERIFY2(result.error.startsWith(u"cannot evaluate \"7 / 0\": division by zero"_s),
                 qPrintable(result.error));

        result = call(u"calculator"_s, u"{\"expression\":\"os.system('ls')\"}"_s);
        QVERIFY(!result.ok);
        QVERIFY2(result.error.contains(u"unexpected 'o' at position 1"_s),
                 qPrintable(result.error));

        result = call(u"calculator"_s, u"{\"expr\":\"1+1\"}"_s);
        QVERIFY(!result.ok);
        QVERIFY2(result.error.contains(u"expression: is required"_s), qPrintable(result.error));
        QVERIFY2(result.error.contains(u"expr: is not a known field"_s), qPrintable(result.error));

        result = call(u"calculator"_s, u"{\"expression\":12}"_s);
        QVERIFY(!result.ok);
        QVERIFY2(result.error.contains(u"expression: must be a string"_s),
                 qPrintable(result.error));
    }

    void timeInZones_data() {
        QTest::addColumn<QString>("zone");
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("datetime");
        QTest::addColumn<QString>("offset");
        QTest::addColumn<bool>("dst");
        QTest::newRow("Berlin summer") << u"Europe/Berlin"_s << u"Europe/Berlin"_s
                                       << u"2024-07-01T14:00:00+02:00"_s << u"+02:00"_s << true;
        QTest::newRow("lower case") << u"america/new_york"_s << u"America/New_York"_s
                                    << u"2024-07-01T08:00:00-04:00"_s << u"-04:00"_s << true;
        QTest::newRow("half-hour offset") << u"Asia/Kolkata"_s << u"Asia/Kolkata"_s
                                          << u"2024-07-01T17:30:00+05:30"_s << u"+05:30"_s << false;
        QTest::newRow("UTC") << u"utc"_s << u"UTC"_s << u"2024-07-01T12:00:00+00:00"_s
                             << u"+00:00"_s << false;
    }

    void timeInZones() {
        QFETCH(QString, zone);
        QFETCH(QString, id);
        QFETCH(QString, datetime);
        QFETCH(QString, offset);
        QFETCH(bool, dst);
        const QDateTime now(QDate(2024, 7, 1), QTime(12, 0), Qt::UTC);
        const ToolResult result =
            GetCurrentTimeTool::timeAt(QJsonObject{{u"timezone"_s, zone}}, now);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.value[u"timezone"_s], id);
        QCOMPARE(result.value[u"datetime"_s], datetime);
        QCOMPARE(result.value[u"utc_offset"_s], offset);
        QCOMPARE(result.value[u"is_dst"_s].toBool(), dst);
        QCOMPARE(result.value[u"utc"_s], u"2024-07-01T12:00:00Z"_s);
        QCOMPARE(result.value[u"day_of_week"_s], u"Monday"_s);
        QCOMPARE(result.value[u"unix_time"_s].toDouble(), 1719835200.0);
    }

    void timeDefaultsToUtcAndIsCurrent() {
        const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
        const ToolResult result = call(u"get_current_time"_s, u""_s);
        const QDateTime after = QDateTime::currentDateTimeUtc().addSecs(1);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.value[u"timezone"_s], u"UTC"_s);
        const QDateTime reported =
            QDateTime::fromString(result.value[u"utc"_s].toString(), Qt::ISODate);
        QVERIFY(reported.isValid());
        QVERIFY(reported >= before && reported <= after);
    }

    void unknownTimeZone() {
        ToolResult result = call(u"get_current_time"_s, u"{\"timezone\":\"Mars/Olympus_Mons\"}"_s);
        QVERIFY(!result.ok);
        QVERIFY2(result.error.startsWith(u"unknown time zone \"Mars/Olympus_Mons\"; use an IANA "
                                         "time zone name"_s),
                 qPrintable(result.error));

        result = call(u"get_current_time"_s, u"{\"timezone\":\"Berlin\"}"_s);
        QVERIFY(!result.ok);
        QVERIFY2(result.error.contains(u"did you mean: Europe/Berlin"_s), qPrintable(result.error));

        result = call(u"get_current_time"_s, u"{\"timezone\":\"\"}"_s);
        QVERIFY(!result.ok);
        QVERIFY2(result.error.contains(u"timezone: must be a string of 1 to 64 characters"_s),
                 qPrintable(result.error));
    }
};

QTEST_GUILESS_MAIN(TestBuiltinTools)
#include "tst_builtintools.moc"
