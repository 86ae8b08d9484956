#include "tools/ExpressionEvaluator.h"

#include <QLocale>
#include <cmath>

using namespace Qt::StringLiterals;

namespace {

// Thrown inside the parser only; evaluate() turns it into Result::error.
struct EvaluationError {
    QString message;
};

class Parser {
public:
    explicit Parser(const QString &text)
        : m_text(text) {}

    double parseAll() {
        skipSpaces();
        if (atEnd())
            throw EvaluationError{u"the expression is empty"_s};
        const double value = expression();
        skipSpaces();
        if (!atEnd()) {
            if (peek() == u')')
                throw EvaluationError{u"unmatched ')' at position %1"_s.arg(m_pos + 1)};
            throw unexpected();
        }
        return value;
    }

private:
    double expression() {
        double value = term();
        for (;;) {
            skipSpaces();
            if (take(u'+'))
                value = checked(value + term(), u"addition"_s);
            else if (take(u'-') || take(QChar(0x2212)))
                value = checked(value - term(), u"subtraction"_s);
            else
                return value;
        }
    }

    double term() {
        double value = unary();
        for (;;) {
            skipSpaces();
            if (take(u'*') || take(QChar(0x00D7))) {
                value = checked(value * unary(), u"multiplication"_s);
            } else if (take(u'/') || take(QChar(0x00F7))) {
                const qsizetype at = m_pos;
                const double divisor = unary();
                if (divisor == 0)
                    throw EvaluationError{
                        u"division by zero (the divisor at position %1 is 0)"_s.arg(at + 1)};
                value = checked(value / divisor, u"division"_s);
            } else {
                return value;
            }
        }
    }

    double unary() {
        skipSpaces();
        if (take(u'-') || take(QChar(0x2212))) {
            const Depth depth(*this);
            return -unary();
        }
        if (take(u'+')) {
            const Depth depth(*this);
            return unary();
        }
        return power();
    }

    double power() {
        const double base = primary();
        skipSpaces();
        if (!take(u'^') && !takeDoubleStar())
            return base;
        const Depth depth(*this);
        const double exponent = unary();
        if (base == 0 && exponent < 0)
            throw EvaluationError{u"division by zero (0 raised to a negative power)"_s};
        const double value = std::pow(base, exponent);
        if (std::isnan(value))
            throw EvaluationError{
                u"%1 ^ %2 is not a real number"_s.arg(format(base), format(exponent))};
        return checked(value, u"power"_s);
    }

    double primary() {
        skipSpaces();
        if (take(u'(')) {
            const Depth depth(*this);
            const qsizetype open = m_pos;
            const double value = expression();
            skipSpaces();
            if (!take(u')'))
                throw EvaluationError{u"missing ')' for the '(' at position %1"_s.arg(open)};
            return value;
        }
        return numberLiteral();
    }

    double numberLiteral() {
        const qsizetype start = m_pos;
        while (!atEnd() && peek().isDigit() && peek().unicode() < 128)
            ++m_pos;
        if (!atEnd() && peek() == u'.') {
            ++m_pos;
            while (!atEnd() && peek().isDigit() && peek().unicode() < 128)
                ++m_pos;
        }
        const qsizetype mantissaEnd = m_pos;
        if (mantissaEnd == start || (mantissaEnd == start + 1 && m_text.at(start) == u'.')) {
            m_pos = start;
            if (atEnd())
                throw EvaluationError{u"the expression ends where a number was expected"_s};
            throw unexpected(u"a number or '('"_s);
        }
        if (!atEnd() && (peek() == u'e' || peek() == u'E')) {
            qsizetype p = m_pos + 1;
            if (p < m_text.size() && (m_text.at(p) == u'+' || m_text.at(p) == u'-'))
                ++p;
            if (p < m_text.size() && m_text.at(p).isDigit() && m_text.at(p).unicode() < 128) {
                while (p < m_text.size() && m_text.at(p).isDigit() && m_text.at(p).unicode() < 128)
                    ++p;
                m_pos = p;
            }
        }
        bool ok = false;
        const double value = m_text.mid(start, m_pos - start).toDouble(&ok);
        if (!ok || !std::isfinite(value))
            throw EvaluationError{u"the number at position %1 is too large"_s.arg(start + 1)};
        return value;
    }

    struct Depth {
        explicit Depth(Parser &parser)
            : m_parser(parser) {
            if (++m_parser.m_depth > ExpressionEvaluator::kMaxDepth)
                throw EvaluationError{
                    u"the expression is nested too deeply (more than %1 levels)"_s.arg(
                        ExpressionEvaluator::kMaxDepth)};
        }
        ~Depth() { --m_parser.m_depth; }
        Depth(const Depth &) = delete;
        Depth &operator=(const Depth &) = delete;
        Parser &m_parser;
    };

    static QString format(double value) {
        return QString::number(value, 'g', QLocale::FloatingPointShortest);
    }

    static double checked(double value, const QString &operation) {
        if (!std::isfinite(value))
            throw EvaluationError{u"overflow: the result of the %1 is too large"_s.arg(operation)};
        return value;
    }

    EvaluationError unexpected(const QString &expected = {}) const {
        QString message = u"unexpected '%1' at position %2"_s.arg(peek()).arg(m_pos + 1);
        if (!expected.isEmpty())
            message += u", expected "_s + expected;
        else if (u"0123456789.()"_s.contains(peek()))
            message += u", expected an operator (+ - * / ^) or the end"_s;
        else
            message += u"; only numbers, + - * / ^ ** and parentheses are allowed"_s;
        return {message};
    }

    bool atEnd() const { return m_pos >= m_text.size(); }
    QChar peek() const { return atEnd() ? QChar() : m_text.at(m_pos); }
    bool lookingAt(const QString &token) const {
        return QStringView(m_text).mid(m_pos).startsWith(token);
    }
    bool take(QChar c) {
        if (atEnd() || m_text.at(m_pos) != c || (c == u'*' && lookingAt(u"**"_s)))
            return false;
        ++m_pos;
        return true;
    }
    bool takeDoubleStar() {
        if (!lookingAt(u"**"_s))
            return false;
        m_pos += 2;
        return true;
    }
    void skipSpaces() {
        while (!atEnd() && peek().isSpace())
            ++m_pos;
    }

    const QString &m_text;
    qsizetype m_pos = 0;
    int m_depth = 0;
};

} // namespace

ExpressionEvaluator::Result ExpressionEvaluator::evaluate(const QString &expression) {
    if (expression.size() > kMaxLength)
        return {std::nullopt,
                u"the expression is too long (%1 characters; at most %2)"_s.arg(expression.size())
                    .arg(kMaxLength)};
    try {
        Parser parser(expression);
        return {parser.parseAll(), {}};
    } catch (const EvaluationError &error) {
        return {std::nullopt, error.message};
    }
}
