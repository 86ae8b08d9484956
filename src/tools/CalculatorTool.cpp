#include "tools/CalculatorTool.h"

#include "tools/ExpressionEvaluator.h"

#include <QJsonArray>
#include <QJsonObject>

using namespace Qt::StringLiterals;

QString CalculatorTool::name() const {
    return u"calculator"_s;
}

QString CalculatorTool::description() const {
    return u"Evaluate an arithmetic expression exactly instead of computing it yourself. "
           "Supports + - * / ^ (or **) for powers, unary minus, parentheses and decimal numbers, "
           "e.g. \"(10 + 2) * 3.5 / 2^3\". No variables or functions."_s;
}

QJsonObject CalculatorTool::parametersSchema() const {
    return QJsonObject{
        {u"type"_s, u"object"_s},
        {u"properties"_s,
         QJsonObject{
             {u"expression"_s,
              QJsonObject{{u"type"_s, u"string"_s},
                          {u"minLength"_s, 1},
                          {u"maxLength"_s, ExpressionEvaluator::kMaxLength},
                          {u"description"_s, u"The arithmetic expression, e.g. \"10 + 2\""_s}}}}},
        {u"required"_s, QJsonArray{u"expression"_s}},
        {u"additionalProperties"_s, false},
    };
}

QFuture<ToolResult> CalculatorTool::invoke(const QJsonObject &arguments) {
    const QString expression = arguments.value(u"expression"_s).toString();
    const ExpressionEvaluator::Result evaluated = ExpressionEvaluator::evaluate(expression);
    if (!evaluated.value)
        return QtFuture::makeReadyFuture(
            ToolResult::failure(u"cannot evaluate \"%1\": %2"_s.arg(expression, evaluated.error)));
    // 15 significant digits hide binary rounding noise: 0.1 + 0.2 gives 0.3, not
    // 0.30000000000000004.
    const double rounded = QString::number(*evaluated.value, 'g', 15).toDouble();
    return QtFuture::makeReadyFuture(ToolResult::success(
        QJsonObject{{u"expression"_s, expression}, {u"result"_s, rounded == 0 ? 0.0 : rounded}}));
}
