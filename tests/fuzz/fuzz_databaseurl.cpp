// DatabaseUrl::parse. Input: the URL, UTF-8. Properties: a URL parses or gives an error, never
// both; a parsed URL written back out (every part percent-encoded) parses to the same value;
// neither the error nor redacted() shows the password.
#include "FuzzSupport.h"
#include "storage/DatabaseUrl.h"

#include <QUrl>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

QString encode(const QString &text) {
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

// The URL of a parsed value, as a user would write it.
QString serialize(const DatabaseUrl &url) {
    if (url.backend() == DatabaseUrl::Backend::Sqlite)
        return u"sqlite://"_s + encode(url.sqlitePath()).replace(u"%2F"_s, u"/"_s);
    QString text = u"postgresql://"_s;
    if (!url.user().isEmpty()) {
        text += encode(url.user());
        if (!url.password().isEmpty())
            text += u':' + encode(url.password());
        text += u'@';
    }
    text +=
        encode(url.host()) + u':' + QString::number(url.port()) + u'/' + encode(url.databaseName());
    // connectOptions(): sslmode, connect_timeout and the pass-through ones, joined by ';'.
    QStringList parameters;
    for (const QString &option : url.connectOptions().split(u';')) {
        const qsizetype eq = option.indexOf(u'=');
        parameters << encode(option.left(eq)) + u'=' + encode(option.mid(eq + 1));
    }
    return text + u'?' + parameters.join(u'&');
}

QString describe(const DatabaseUrl &url) {
    return u"%1 path=%2 host=%3 port=%4 user=%5 password=%6 db=%7 options=%8"_s.arg(
        url.backendName(), url.sqlitePath(), url.host(), QString::number(url.port()), url.user(),
        url.password(), url.databaseName(), url.connectOptions());
}

bool same(const DatabaseUrl &a, const DatabaseUrl &b) {
    return a.backend() == b.backend() && a.sqlitePath() == b.sqlitePath() && a.host() == b.host() &&
           a.port() == b.port() && a.user() == b.user() && a.password() == b.password() &&
           a.databaseName() == b.databaseName() && a.sslMode() == b.sslMode() &&
           a.connectTimeoutSeconds() == b.connectTimeoutSeconds() &&
           a.connectOptions() == b.connectOptions();
}

// Characters that separate the parts of a URL or of redacted().
bool hasSeparator(const QString &text) {
    for (const QChar c : u":/@[]?=&#%"_s)
        if (text.contains(c))
            return true;
    return false;
}

// The password of `input` as written, when it is distinctive enough to look for in an error
// message: six characters or more with a letter and a digit (no message template has such a
// word), no separators, and nowhere else in the URL (in any letter case; nothing is
// percent-encoded).
QString distinctivePassword(const QString &input) {
    const qsizetype scheme = input.indexOf(u"://");
    const qsizetype at = input.left(input.indexOf(u'?')).lastIndexOf(u'@'); // as parse() splits
    if (scheme < 0 || at < scheme ||
        !input.trimmed().startsWith(u"postgres"_s, Qt::CaseInsensitive))
        return {}; // a sqlite path has no password, and its errors show it
    const qsizetype colon = input.indexOf(u':', scheme + 3);
    if (colon < 0 || colon > at)
        return {};
    const QString password = input.mid(colon + 1, at - colon - 1);
    const bool letter =
        std::any_of(password.begin(), password.end(), [](QChar c) { return c.isLetter(); });
    const bool digit =
        std::any_of(password.begin(), password.end(), [](QChar c) { return c.isDigit(); });
    if (password.size() < 6 || !letter || !digit || hasSeparator(password) ||
        input.contains(u'%') || input.toLower().count(password.toLower()) != 1)
        return {};
    return password;
}

// Whether redacted() may contain the password because another part it shows does.
bool shownElsewhere(const DatabaseUrl &url) {
    const QString password = url.password();
    if (hasSeparator(password))
        return true; // it could straddle two parts
    for (const QString &part :
         {url.user(), url.host(), url.databaseName(), url.sslMode(), QString::number(url.port()),
          u"postgresql"_s, u"sslmode"_s, u"***"_s})
        if (part.contains(password))
            return true;
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QString input = QString::fromUtf8(fuzzBytes(data, size));
    QString error;
    const std::optional<DatabaseUrl> url = DatabaseUrl::parse(input, &error);
    FUZZ_CHECK(url.has_value() == error.isEmpty(), u"a value or an error: "_s + error);
    const QString password = distinctivePassword(input);
    if (!url) {
        FUZZ_CHECK(password.isEmpty() || !error.contains(password),
                   u"the error shows the password"_s);
        return 0;
    }
    if (url->backend() == DatabaseUrl::Backend::Postgres) {
        FUZZ_CHECK(!url->host().isEmpty() && !url->databaseName().isEmpty() && url->port() >= 1 &&
                       url->port() <= 65535,
                   describe(*url));
    } else {
        FUZZ_CHECK(url->sqlitePath().startsWith(u'/'), describe(*url));
    }
    const QString redacted = url->redacted();
    FUZZ_CHECK(url->password().isEmpty() || !redacted.contains(url->password()) ||
                   shownElsewhere(*url),
               u"redacted() shows the password: "_s + redacted);

    const QString written = serialize(*url);
    QString againError;
    const std::optional<DatabaseUrl> again = DatabaseUrl::parse(written, &againError);
    FUZZ_CHECK(again.has_value(), u"%1\nparsed as %2\nwritten as %3\nis refused: %4"_s.arg(
                                      input, describe(*url), written, againError));
    FUZZ_CHECK(same(*url, *again), u"%1\nparsed as %2\nwritten as %3\nparses as %4"_s.arg(
                                       input, describe(*url), written, describe(*again)));
    return 0;
}
