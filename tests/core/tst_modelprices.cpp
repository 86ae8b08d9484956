#include "core/Config.h"
#include "core/ModelPrices.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {
SessionUsage usage(const QString &model, qint64 prompt, qint64 completion) {
    SessionUsage u;
    u.addReply(model, prompt, completion, -1);
    return u;
}
} // namespace

class TestModelPrices : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void defaultPricesGpt4oMini() {
        const std::optional<ModelPrices> prices = ModelPrices::parse(Config().llmPrices);
        QVERIFY(prices);
        const std::optional<ModelPrices::Price> price = prices->price(u"gpt-4o-mini"_s);
        QVERIFY(price);
        QCOMPARE(price->inputPerMillion, 0.15);
        QCOMPARE(price->outputPerMillion, 0.60);
        // 1M prompt tokens and 500k completion tokens: 0.15 + 0.30.
        QCOMPARE(*prices->cost(usage(u"gpt-4o-mini"_s, 1'000'000, 500'000)), 0.45);
    }

    void datedReleaseUsesTheModelsPrice() {
        const ModelPrices prices = *ModelPrices::parse(u"gpt-4o-mini=0.15:0.60;gpt-4o=2.5:10"_s);
        QCOMPARE(prices.price(u"gpt-4o-mini-2024-07-18"_s)->inputPerMillion, 0.15);
        QCOMPARE(prices.price(u"gpt-4o-2024-08-06"_s)->outputPerMillion, 10.0);
        QCOMPARE(prices.price(u"gpt-4o-0613"_s)->inputPerMillion, 2.5);
        // Not a prefix match: gpt-4o does not price gpt-4o-mini's sibling gpt-4o-nano.
        QVERIFY(!prices.price(u"gpt-4o-nano"_s));
        QVERIFY(!prices.price(u"gpt"_s));
    }

    void costSumsEveryModelAndNeedsAPriceForEach() {
        const ModelPrices prices = *ModelPrices::parse(u" a = 1 : 2 ; llama3.2:3b=0:0 ;"_s);
        SessionUsage u = usage(u"a"_s, 1000, 2000);
        u.addReply(u"llama3.2:3b"_s, 5000, 5000, 10);
        QCOMPARE(*prices.cost(u), (1000.0 * 1 + 2000.0 * 2) / 1e6);
        u.addReply(u"b"_s, 1, 0, 10);
        QVERIFY(!prices.cost(u));
        QCOMPARE(prices.unpricedModels(u), QStringList{u"b"_s});
        // A model that used no tokens costs nothing, priced or not.
        SessionUsage idle = usage(u"unknown"_s, 0, 0);
        QCOMPARE(*prices.cost(idle), 0.0);
        QVERIFY(prices.unpricedModels(idle).isEmpty());
        QCOMPARE(*prices.cost(SessionUsage{}), 0.0);
    }

    void emptyTextIsNoPrices() {
        const std::optional<ModelPrices> prices = ModelPrices::parse(u""_s);
        QVERIFY(prices);
        QVERIFY(prices->isEmpty());
        QVERIFY(!prices->cost(usage(u"gpt-4o-mini"_s, 1, 1)));
    }

    void badEntriesAreNamed_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("named");
        QTest::newRow("no equals") << u"gpt-4o-mini"_s << u"'gpt-4o-mini'"_s;
        QTest::newRow("no model") << u"=1:2"_s << u"'=1:2'"_s;
        QTest::newRow("one price") << u"m=1"_s << u"'m=1'"_s;
        QTest::newRow("not a number") << u"ok=1:2;m=cheap:2"_s << u"'m=cheap:2'"_s;
        QTest::newRow("negative") << u"m=-1:2"_s << u"'m=-1:2'"_s;
        QTest::newRow("infinite") << u"m=inf:2"_s << u"'m=inf:2'"_s;
        QTest::newRow("three prices") << u"m=1:2:3"_s << u"'m=1:2:3'"_s;
        QTest::newRow("twice") << u"m=1:2;m=3:4"_s << u"'m' twice"_s;
    }
    void badEntriesAreNamed() {
        QFETCH(QString, text);
        QFETCH(QString, named);
        QString error;
        QVERIFY(!ModelPrices::parse(text, &error));
        QVERIFY2(error.contains(named), qPrintable(error));
        QVERIFY2(error.contains(u"llm/prices"_s), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestModelPrices)
#include "tst_modelprices.moc"
