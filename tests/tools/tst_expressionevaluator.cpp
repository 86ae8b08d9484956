#include "tools/ExpressionEvaluator.h"

#include <QTest>
#include <cmath>

using namespace Qt::StringLiterals;

class TestExpressionEvaluator : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void evaluates_data() {
        QTest::addColumn<QString>("expression");
        QTest::addColumn<double>("expected");

        QTest::newRow("seed") << u"10 + 2"_s << 12.0;
        QTest::newRow("precedence") << u"2 + 3 * 4"_s << 14.0;
        QTest::newRow("parentheses") << u"(2 + 3) * 4"_s << 20.0;
        QTest::newRow("left-associative minus") << u"1 - 2 - 3"_s << -4.0;
        QTest::newRow("left-associative division") << u"100 / 10 / 5"_s << 2.0;
        QTest::newRow("fraction") << u"10 / 4"_s << 2.5;
        QTest::newRow("decimals") << u"1.5 * .5"_s << 0.75;
        QTest::newRow("exponent notation") << u"1e3 + 1"_s << 1001.0;
        QTest::newRow("caret") << u"2^10"_s << 1024.0;
        QTest::newRow("double star") << u"2 ** 3"_s << 8.0;
        QTest::newRow("power is right-associative") << u"2^3^2"_s << 512.0;
        QTest::newRow("power binds tighter than unary minus") << u"-2^2"_s << -4.0;
        QTest::newRow("parenthesized negative base") << u"(-2)^2"_s << 4.0;
        QTest::newRow("negative exponent") << u"2^-1"_s << 0.5;
        QTest::newRow("fractional power") << u"9^0.5"_s << 3.0;
        QTest::newRow("unary minus twice") << u"--3"_s << 3.0;
        QTest::newRow("unary plus") << u"+3 - -3"_s << 6.0;
        QTest::newRow("times a negative") << u"2 * -3"_s << -6.0;
        QTest::newRow("nested parentheses") << u"((((1 + 1))))*(2)"_s << 4.0;
        QTest::newRow("whitespace") << u"  \t7\n*\t6 "_s << 42.0;
        QTest::newRow("unicode operators") << u"6 \u00d7 7 \u2212 8 \u00f7 2"_s << 38.0;
        QTest::newRow("zero divided") << u"0 / 5"_s << 0.0;
        QTest::newRow("large but finite") << u"2^1023"_s << std::ldexp(1.0, 1023);
    }

    void evaluates() {
        QFETCH(QString, expression);
        QFETCH(double, expected);
        const ExpressionEvaluator::Result result = ExpressionEvaluator::evaluate(expression);
        QVERIFY2(result.value.has_value(), qPrintable(result.error));
        QCOMPARE(*result.value, expected);
        QVERIFY(result.error.isEmpty());
    }

    void rejects_data() {
        QTest::addColumn<QString>("expression");
        QTest::addColumn<QString>("error");

        QTest::newRow("empty") << u""_s << u"the expression is empty"_s;
        QTest::newRow("blank") << u"   "_s << u"the expression is empty"_s;
        QTest::newRow("division by zero") << u"1/0"_s << u"division by zero"_s;
        QTest::newRow("division by a zero expression") << u"1 / (2 - 2)"_s << u"division by zero"_s;
        QTest::newRow("zero to a negative power") << u"0^-1"_s << u"division by zero"_s;
        QTest::newRow("power overflow") << u"10^400"_s << u"overflow"_s;
        QTest::newRow("product overflow") << u"1e308 * 10"_s << u"overflow"_s;
        QTest::newRow("sum overflow") << u"1.7e308 + 1.7e308"_s << u"overflow"_s;
        QTest::newRow("literal too large") << u"1e999"_s << u"too large"_s;
        QTest::newRow("not a real number") << u"(-8)^0.5"_s << u"is not a real number"_s;
        QTest::newRow("dangling operator")
            << u"2 +"_s << u"the expression ends where a number was expected"_s;
        QTest::newRow("lone minus")
            << u"-"_s << u"the expression ends where a number was expected"_s;
        QTest::newRow("missing close") << u"(1 + 2"_s << u"missing ')' for the '(' at position 1"_s;
        QTest::newRow("unmatched close") << u"1 + 2)"_s << u"unmatched ')' at position 6"_s;
        QTest::newRow("implicit multiplication")
            << u"2(3)"_s << u"unexpected '(' at position 2, expected an operator"_s;
        QTest::newRow("two numbers") << u"1 2"_s << u"unexpected '2' at position 3"_s;
        QTest::newRow("double dot") << u"1..2"_s << u"unexpected '.' at position 3"_s;
        QTest::newRow("dot alone")
            << u"."_s << u"unexpected '.' at position 1, expected a number"_s;
        QTest::newRow("double caret") << u"2^^3"_s << u"unexpected '^' at position 3"_s;
        QTest::newRow("variables")
            << u"x + 1"_s << u"unexpected 'x' at position 1, expected a number or '('"_s;
        QTest::newRow("code") << u"__import__('os').system('rm -rf /')"_s
                              << u"unexpected '_' at position 1"_s;
        QTest::newRow("function call") << u"2 * sqrt(4)"_s << u"unexpected 's' at position 5"_s;
        QTest::newRow("non-ASCII digits") << u"\u0663 + 1"_s << u"unexpected"_s;
        QTest::newRow("too deep") << QString(200, u'(') + u'1' + QString(200, u')')
                                  << u"nested too deeply"_s;
        QTest::newRow("too many minus signs")
            << QString(500, u'-') + u'1' << u"nested too deeply"_s;
        QTest::newRow("too long") << u"1+"_s.repeated(600) + u'1' << u"too long"_s;
    }

    void rejects() {
        QFETCH(QString, expression);
        QFETCH(QString, error);
        const ExpressionEvaluator::Result result = ExpressionEvaluator::evaluate(expression);
        QVERIFY2(!result.value.has_value(), qPrintable(QString::number(result.value.value_or(0))));
        QVERIFY2(result.error.contains(error), qPrintable(result.error));
    }
};

QTEST_GUILESS_MAIN(TestExpressionEvaluator)
#include "tst_expressionevaluator.moc"
