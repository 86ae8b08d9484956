#include "core/DotEnvFile.h"

#include <QFile>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace {

QString unescapeDoubleQuoted(QStringView text) {
    QString out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == u'\\' && i + 1 < text.size()) {
            const QChar next = text.at(++i);
            out += next == u'n' ? QChar(u'\n') : next == u't' ? QChar(u'\t') : next;
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace

DotEnvFile DotEnvFile::read(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    return parse(QString::fromUtf8(file.readAll()));
}

DotEnvFile DotEnvFile::parse(const QString &text) {
    static const QRegularExpression keyValue(
        uR"(^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$)"_s);
    DotEnvFile result;
    const QStringList lines = text.split(u'\n');
    for (qsizetype n = 0; n < lines.size(); ++n) {
        const QString line = lines.at(n).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        const QRegularExpressionMatch match = keyValue.match(line);
        if (!match.hasMatch()) {
            result.m_errors << u"line %1: expected KEY=value"_s.arg(n + 1);
            continue;
        }
        QString value = match.captured(2).trimmed();
        const QChar quote = value.isEmpty() ? QChar() : value.front();
        if (quote == u'"' || quote == u'\'') {
            const qsizetype end = value.lastIndexOf(quote);
            if (end <= 0) {
                result.m_errors << u"line %1: unterminated quote"_s.arg(n + 1);
                continue;
            }
            const QStringView inner = QStringView(value).mid(1, end - 1);
            value = quote == u'"' ? unescapeDoubleQuoted(inner) : inner.toString();
        } else {
            const qsizetype comment = value.indexOf(u" #"_s);
            if (comment >= 0)
                value = value.left(comment).trimmed();
        }
        result.m_values.insert(match.captured(1), value);
    }
    return result;
}
