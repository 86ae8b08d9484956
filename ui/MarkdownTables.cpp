#include "ui/MarkdownTables.h"

#include <QRegularExpression>
#include <QStringList>

using namespace Qt::StringLiterals;

namespace {

bool isDelimiterRow(const QString &line) {
    static const QRegularExpression delimiter(
        u"^\\s*\\|?\\s*:?-+:?\\s*(\\|\\s*:?-+:?\\s*)*\\|?\\s*$"_s);
    return line.contains(u'-') && delimiter.match(line).hasMatch();
}

bool isFence(const QString &line) {
    const QString trimmed = line.trimmed();
    return trimmed.startsWith(u"```"_s) || trimmed.startsWith(u"~~~"_s);
}

} // namespace

namespace MarkdownTables {

QString separate(const QString &markdown) {
    if (!markdown.contains(u'|'))
        return markdown;
    const QStringList lines = markdown.split(u'\n');
    QStringList out;
    out.reserve(lines.size() + 2);
    bool inFence = false;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString &line = lines.at(i);
        if (isFence(line))
            inFence = !inFence;
        const bool tableStarts = !inFence && i > 0 && i + 1 < lines.size() && line.contains(u'|') &&
                                 isDelimiterRow(lines.at(i + 1)) &&
                                 !lines.at(i - 1).trimmed().isEmpty() &&
                                 !lines.at(i - 1).contains(u'|');
        if (tableStarts)
            out << QString();
        out << line;
    }
    return out.join(u'\n');
}

} // namespace MarkdownTables
