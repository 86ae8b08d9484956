#pragma once

#include <QString>
#include <optional>

// A safe arithmetic evaluator (recursive descent; nothing is ever executed):
//   expression := term (('+' | '-') term)*
//   term       := unary (('*' | '/') unary)*
//   unary      := ('+' | '-') unary | power
//   power      := primary (('^' | '**') unary)?        right-associative, binds tighter than
//   primary    := number | '(' expression ')'           unary minus: -2^2 = -4
// Numbers: 12, 3.5, .5, 1e3. Also accepts × ÷ − and whitespace. Division by zero, overflow,
// non-real results (e.g. (-8)^0.5), bad syntax, too long or too deeply nested input are errors
// with the position where it went wrong.
class ExpressionEvaluator {
public:
    struct Result {
        std::optional<double> value;
        QString error; // when there is no value
    };

    static constexpr int kMaxLength = 1000;
    static constexpr int kMaxDepth = 64;

    static Result evaluate(const QString &expression);
};
