#pragma once

#include "tools/Tool.h"

// calculator: evaluates an arithmetic expression with ExpressionEvaluator (no code evaluation).
class CalculatorTool : public Tool {
public:
    QString name() const override;
    QString description() const override;
    QJsonObject parametersSchema() const override;
    QFuture<ToolResult> invoke(const QJsonObject &arguments) override;
};
