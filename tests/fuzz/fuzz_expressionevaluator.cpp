// ExpressionEvaluator (the calculator tool's argument). Input: the expression, UTF-8.
// Properties: a finite value or an error, never both; the same answer every time; parentheses
// and a double negation do not change a value.
#include "FuzzSupport.h"
#include "tools/ExpressionEvaluator.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace {

void checkSame(const QString &expression, double expected, const QString &variant) {
    const ExpressionEvaluator::Result result = ExpressionEvaluator::evaluate(variant);
    if (!result.value) {
        // Only the added nesting or length may be refused.
        FUZZ_CHECK(
            result.error.contains(u"nested too deeply"_s) || result.error.contains(u"too long"_s),
            u"%1 = %2, but %3: %4"_s.arg(expression).arg(expected).arg(variant, result.error));
        return;
    }
    FUZZ_CHECK(
        *result.value == expected,
        u"%1 = %2, but %3 = %4"_s.arg(expression).arg(expected).arg(variant).arg(*result.value));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QString expression = QString::fromUtf8(fuzzBytes(data, size));
    const ExpressionEvaluator::Result result = ExpressionEvaluator::evaluate(expression);
    FUZZ_CHECK(result.value.has_value() == result.error.isEmpty(), u"a value or an error"_s);
    const ExpressionEvaluator::Result again = ExpressionEvaluator::evaluate(expression);
    FUZZ_CHECK(again.value == result.value && again.error == result.error, u"deterministic"_s);
    if (!result.value)
        return 0;
    const double value = *result.value;
    FUZZ_CHECK(std::isfinite(value), u"%1 = %2"_s.arg(expression).arg(value));
    checkSame(expression, value, u'(' + expression + u')');
    checkSame(expression, value, u"--("_s + expression + u')');
    checkSame(expression, value, u"1*("_s + expression + u')');
    return 0;
}
