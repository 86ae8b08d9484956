#include "core/SessionTitle.h"

using namespace Qt::StringLiterals;

namespace SessionTitle {

QString fromText(const QString &text) {
    QString title = text.simplified();
    title.replace(QChar(0), QChar::ReplacementCharacter);
    if (title.size() <= kAutoLength)
        return title;
    const qsizetype room = kAutoLength - 1; // for the ellipsis
    qsizetype cut = title.lastIndexOf(u' ', room);
    // One long word (a URL, a code): cut inside it rather than keep almost nothing.
    if (cut < kAutoLength / 2)
        cut = room;
    if (title.at(cut - 1).isHighSurrogate())
        --cut;
    QString head = title.left(cut);
    while (!head.isEmpty() && (head.back().isSpace() || head.back().isPunct()))
        head.chop(1);
    return head + u'…';
}

QString fromSummary(const QString &summary) {
    QString text = summary.simplified();
    // Models often label the summary; the label says nothing about the session.
    if (text.startsWith(u"summary:"_s, Qt::CaseInsensitive))
        text = text.mid(8).trimmed();
    qsizetype end = -1;
    for (qsizetype i = 0; i + 1 < text.size(); ++i) {
        const QChar c = text.at(i);
        if ((c == u'.' || c == u'!' || c == u'?') && text.at(i + 1) == u' ') {
            end = i;
            break;
        }
    }
    QString sentence = end < 0 ? text : text.left(end);
    if (sentence.endsWith(u'.'))
        sentence.chop(1);
    return fromText(sentence);
}

QString fromUser(const QString &title, QString *error) {
    const QString simplified = title.simplified();
    if (simplified.isEmpty()) {
        *error = u"the title is empty; give 1 to %1 characters"_s.arg(kMaxLength);
        return {};
    }
    if (simplified.size() > kMaxLength) {
        *error = u"the title has %1 characters; at most %2 are allowed"_s.arg(simplified.size())
                     .arg(kMaxLength);
        return {};
    }
    for (const QChar c : simplified) {
        if (c.category() == QChar::Other_Control || c == QChar::ReplacementCharacter) {
            *error = u"the title holds a control character; give printable text"_s;
            return {};
        }
    }
    return simplified;
}

} // namespace SessionTitle
