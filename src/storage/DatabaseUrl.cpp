#include "storage/DatabaseUrl.h"

#include <QDir>
#include <QStringList>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace {

const QStringList kSslModes = {u"disable"_s, u"allow"_s,     u"prefer"_s,
                               u"require"_s, u"verify-ca"_s, u"verify-full"_s};

// Query parameters handed to libpq as they are.
const QStringList kPassThrough = {u"application_name"_s, u"sslrootcert"_s, u"sslcert"_s,
                                  u"sslkey"_s};

// Strict percent-decoding: a '%' must be followed by two hex digits.
std::optional<QString> percentDecode(QStringView text) {
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i) != u'%')
            continue;
        if (i + 2 >= text.size())
            return std::nullopt;
        const auto isHex = [](QChar c) {
            return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
        };
        if (!isHex(text.at(i + 1)) || !isHex(text.at(i + 2)))
            return std::nullopt;
    }
    return QUrl::fromPercentEncoding(text.toUtf8());
}

bool isSafeOptionValue(const QString &value) {
    for (QChar c : value) {
        if (c.isSpace() || c == u';' || c == u'\'' || c == u'\\')
            return false;
    }
    return !value.isEmpty();
}

} // namespace

std::optional<DatabaseUrl> DatabaseUrl::parse(const QString &input, QString *error) {
    const auto fail = [error](const QString &message) -> std::optional<DatabaseUrl> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    const QString url = input.trimmed();
    if (url.isEmpty())
        return fail(u"the database URL is empty"_s);

    const qsizetype schemeEnd = url.indexOf(u"://");
    if (schemeEnd <= 0)
        return fail(u"the database URL has no scheme; expected postgresql://… "
                    "or sqlite:///absolute/path.db"_s);
    const QString scheme = url.left(schemeEnd).toLower();
    const QString rest = url.mid(schemeEnd + 3);

    DatabaseUrl result;
    if (scheme == u"sqlite") {
        if (!rest.startsWith(u'/'))
            return fail(u"a sqlite URL needs an absolute path, three slashes in "
                        "all: sqlite:///absolute/path.db"_s);
        if (rest.contains(u'?') || rest.contains(u'#'))
            return fail(u"a sqlite URL takes no parameters: sqlite:///path.db"_s);
        const std::optional<QString> path = percentDecode(rest);
        if (!path)
            return fail(u"the sqlite path has an invalid percent-encoding"_s);
        // "/a/.." would clean up to "/": a path ending in "/", "/." or "/.." is a directory.
        const QString last = path->mid(path->lastIndexOf(u'/') + 1);
        if (last.isEmpty() || last == u"." || last == u"..")
            return fail(u"the sqlite path names a directory, not a file: %1"_s.arg(*path));
        result.m_backend = Backend::Sqlite;
        result.m_sqlitePath = QDir::cleanPath(*path);
        return result;
    }
    if (scheme != u"postgresql" && scheme != u"postgres")
        return fail(u"unsupported database URL scheme \"%1\"; expected "
                    "postgresql://, postgres:// or sqlite:///"_s.arg(scheme));

    result.m_backend = Backend::Postgres;
    QString main = rest;
    QString query;
    if (const qsizetype q = rest.indexOf(u'?'); q >= 0) {
        main = rest.left(q);
        query = rest.mid(q + 1);
    }
    if (main.contains(u'#'))
        return fail(u"the database URL must not contain a fragment (#)"_s);
    const qsizetype slash = main.indexOf(u'/', main.lastIndexOf(u'@') + 1);
    const QString authority = slash >= 0 ? main.left(slash) : main;
    const QString path = slash >= 0 ? main.mid(slash + 1) : QString();

    QString hostPort = authority;
    if (const qsizetype at = authority.lastIndexOf(u'@'); at >= 0) {
        const QString userInfo = authority.left(at);
        hostPort = authority.mid(at + 1);
        const qsizetype colon = userInfo.indexOf(u':');
        const std::optional<QString> user = percentDecode(userInfo.left(colon));
        if (!user)
            return fail(u"the user name has an invalid percent-encoding"_s);
        if (user->isEmpty())
            return fail(u"the user name before '@' is empty"_s);
        result.m_user = *user;
        if (colon >= 0) {
            const std::optional<QString> password = percentDecode(userInfo.mid(colon + 1));
            if (!password)
                return fail(u"the password has an invalid percent-encoding "
                            "(write %25 for a literal '%')"_s);
            result.m_password = *password;
        }
    }

    QString portText;
    if (hostPort.startsWith(u'[')) {
        const qsizetype close = hostPort.indexOf(u']');
        if (close < 0)
            return fail(u"the IPv6 host address is missing its closing ']'"_s);
        result.m_host = hostPort.mid(1, close - 1);
        const QString after = hostPort.mid(close + 1);
        if (!after.isEmpty() && !after.startsWith(u':'))
            return fail(u"unexpected text after the IPv6 host address"_s);
        portText = after.mid(1);
        if (after.startsWith(u':') && portText.isEmpty())
            return fail(u"the port after ':' is empty"_s);
    } else {
        const qsizetype colon = hostPort.lastIndexOf(u':');
        const std::optional<QString> host = percentDecode(hostPort.left(colon));
        if (!host)
            return fail(u"the host has an invalid percent-encoding"_s);
        result.m_host = *host;
        if (colon >= 0) {
            portText = hostPort.mid(colon + 1);
            if (portText.isEmpty())
                return fail(u"the port after ':' is empty"_s);
        }
    }
    if (result.m_host.isEmpty())
        return fail(u"the database URL has no host (postgresql://user:password@"
                    "host:port/dbname)"_s);
    if (!portText.isEmpty()) {
        bool ok = false;
        const int port = portText.toInt(&ok);
        if (!ok || port < 1 || port > 65535 || !portText.front().isDigit())
            return fail(u"the port \"%1\" is not a number from 1 to 65535"_s.arg(portText));
        result.m_port = port;
    }

    const std::optional<QString> dbName = percentDecode(path);
    if (!dbName)
        return fail(u"the database name has an invalid percent-encoding"_s);
    if (dbName->isEmpty())
        return fail(u"the database URL has no database name (…/dbname at the end; "
                    "Supabase uses /postgres)"_s);
    if (dbName->contains(u'/'))
        return fail(u"the database name \"%1\" contains '/'"_s.arg(*dbName));
    result.m_databaseName = *dbName;

    if (!query.isEmpty()) {
        for (const QString &pair : query.split(u'&')) {
            if (pair.isEmpty())
                continue;
            const qsizetype eq = pair.indexOf(u'=');
            if (eq <= 0)
                return fail(u"the URL parameter \"%1\" has no value (name=value)"_s.arg(pair));
            const std::optional<QString> key = percentDecode(pair.left(eq));
            const std::optional<QString> value = percentDecode(pair.mid(eq + 1));
            if (!key || !value)
                return fail(u"the URL parameter \"%1\" has an invalid "
                            "percent-encoding"_s.arg(pair.left(eq)));
            if (*key == u"sslmode") {
                if (!kSslModes.contains(*value))
                    return fail(
                        u"sslmode \"%1\" is not one of %2"_s.arg(*value, kSslModes.join(u", ")));
                result.m_sslMode = *value;
            } else if (*key == u"connect_timeout") {
                bool ok = false;
                const int seconds = value->toInt(&ok);
                if (!ok || seconds < 0 || !value->front().isDigit())
                    return fail(u"connect_timeout \"%1\" is not a whole number of "
                                "seconds"_s.arg(*value));
                result.m_connectTimeout = seconds;
            } else if (kPassThrough.contains(*key)) {
                if (!isSafeOptionValue(*value))
                    return fail(u"the URL parameter %1 must not be empty or "
                                "contain spaces, ';', quotes or backslashes"_s.arg(*key));
                result.m_extraOptions.append(*key + u'=' + *value);
            } else {
                return fail(u"unsupported URL parameter \"%1\"; supported: "
                            "sslmode, connect_timeout, %2"_s.arg(*key, kPassThrough.join(u", ")));
            }
        }
    }
    return result;
}

QString DatabaseUrl::backendName() const {
    return m_backend == Backend::Sqlite ? u"sqlite"_s : u"postgresql"_s;
}

QString DatabaseUrl::connectOptions() const {
    QStringList options;
    if (!m_sslMode.isEmpty())
        options << u"sslmode="_s + m_sslMode;
    options << u"connect_timeout="_s + QString::number(m_connectTimeout);
    options << m_extraOptions;
    return options.join(u';');
}

QString DatabaseUrl::redacted() const {
    if (m_backend == Backend::Sqlite)
        return u"sqlite://"_s + m_sqlitePath;
    QString text = u"postgresql://"_s;
    if (!m_user.isEmpty())
        text += m_user + (m_password.isEmpty() ? u"@"_s : u":***@"_s);
    text += (m_host.contains(u':') ? u'[' + m_host + u']' : m_host) + u':' +
            QString::number(m_port) + u'/' + m_databaseName;
    if (!m_sslMode.isEmpty())
        text += u"?sslmode="_s + m_sslMode;
    return text;
}
