#include "server/HttpRequestHead.h"

#include "server/Protocol.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

// RFC 9110 §5.6.2.
bool isTokenChar(char c) {
    const auto u = uchar(c);
    if (u >= '0' && u <= '9')
        return true;
    if ((u | 0x20) >= 'a' && (u | 0x20) <= 'z')
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView bytes) {
    return !bytes.isEmpty() && std::all_of(bytes.begin(), bytes.end(), isTokenChar);
}

// Controls other than HTAB (obs-text, bytes >= 0x80, is allowed, as RFC 9110 §5.5 keeps it).
bool isFieldValue(QByteArrayView bytes) {
    return std::none_of(bytes.begin(), bytes.end(), [](char c) {
        const auto u = uchar(c);
        return (u < 0x20 && u != '\t') || u == 0x7f;
    });
}

// The methods Qt 6.4's parser (http_parser) knows; any other method it drops unanswered.
bool isKnownMethod(QByteArrayView method) {
    static constexpr std::array<const char *, 34> kMethods = {
        "DELETE",     "GET",      "HEAD",       "POST",     "PUT",    "CONNECT",   "OPTIONS",
        "TRACE",      "COPY",     "LOCK",       "MKCOL",    "MOVE",   "PROPFIND",  "PROPPATCH",
        "SEARCH",     "UNLOCK",   "BIND",       "REBIND",   "UNBIND", "ACL",       "REPORT",
        "MKACTIVITY", "CHECKOUT", "MERGE",      "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
        "PATCH",      "PURGE",    "MKCALENDAR", "LINK",     "UNLINK", "SOURCE"};
    return std::any_of(kMethods.begin(), kMethods.end(),
                       [method](const char *known) { return method == QByteArrayView(known); });
}

HttpRequestHead refused(int status, const QString &code, const QString &message) {
    HttpRequestHead head;
    head.verdict = HttpRequestHead::Verdict::Refused;
    head.status = status;
    head.code = code;
    head.message = message;
    return head;
}

HttpRequestHead badRequest(const QString &message) {
    return refused(400, Protocol::Error::BadRequest, message);
}

QString printable(QByteArrayView bytes) {
    QString text;
    for (const char c : bytes.first(std::min<qsizetype>(bytes.size(), 40))) {
        const auto u = uchar(c);
        text += u >= 0x20 && u < 0x7f ? QString(QLatin1Char(c))
                                      : u"\\x%1"_s.arg(uint(u), 2, 16, QChar(u'0'));
    }
    return bytes.size() > 40 ? text + u"…"_s : text;
}

// A request line, or the start of one (`complete` false: its end has not arrived yet).
std::optional<HttpRequestHead> checkRequestLine(QByteArrayView line, bool complete) {
    if (!line.isEmpty() && uchar(line.front()) == 0x16)
        return badRequest(u"this port speaks plain HTTP (and WebSocket over it), not TLS: use "
                          "http:// or ws://"_s);
    const qsizetype methodEnd = line.indexOf(' ');
    const QByteArrayView method = methodEnd < 0 ? line : line.first(methodEnd);
    if (!std::all_of(method.begin(), method.end(), isTokenChar) || (methodEnd == 0))
        return badRequest(u"malformed request line \"%1\": expected METHOD /path HTTP/1.1"_s.arg(
            printable(line)));
    if (!complete)
        return std::nullopt;
    const qsizetype targetEnd = methodEnd < 0 ? -1 : line.indexOf(' ', methodEnd + 1);
    if (methodEnd < 0 || targetEnd < 0 || targetEnd == methodEnd + 1 ||
        line.indexOf(' ', targetEnd + 1) >= 0)
        return badRequest(u"malformed request line \"%1\": expected METHOD /path HTTP/1.1"_s.arg(
            printable(line)));
    const QByteArrayView target = line.sliced(methodEnd + 1, targetEnd - methodEnd - 1);
    if (!isFieldValue(target) || target.contains('\t'))
        return badRequest(u"the request target contains control characters"_s);
    const QByteArrayView version = line.sliced(targetEnd + 1);
    const bool wellFormed = version.size() == 8 && version.startsWith("HTTP/") &&
                            std::isdigit(uchar(version[5])) && version[6] == '.' &&
                            std::isdigit(uchar(version[7]));
    if (!wellFormed)
        return badRequest(
            u"malformed HTTP version \"%1\": expected HTTP/1.1"_s.arg(printable(version)));
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return refused(505, Protocol::Error::HttpVersionNotSupported,
                       u"%1 is not supported: this server speaks HTTP/1.1 (and 1.0)"_s.arg(
                           printable(version)));
    if (!isKnownMethod(method))
        return refused(501, Protocol::Error::NotImplemented,
                       u"the method %1 is not implemented (methods are case-sensitive)"_s.arg(
                           printable(method)));
    return std::nullopt;
}

} // namespace

HttpRequestHead HttpRequestHead::check(QByteArrayView received, qsizetype maxBytes) {
    const auto tooLarge = [maxBytes] {
        return refused(431, Protocol::Error::HeadersTooLarge,
                       u"the request line and headers are over %1 bytes, the most this server "
                       "reads"_s.arg(maxBytes));
    };
    qsizetype pos = 0;
    bool sawRequestLine = false;
    qint64 contentLength = -1;
    bool chunked = false;
    while (true) {
        const qsizetype newline = received.indexOf('\n', pos);
        if (newline < 0) {
            QByteArrayView partial = received.sliced(pos);
            if (partial.endsWith('\r'))
                partial.chop(1); // the start of a line end
            if (!sawRequestLine)
                if (auto error = checkRequestLine(partial, false))
                    return *error;
            if (received.size() > maxBytes)
                return tooLarge();
            return {};
        }
        if (newline + 1 > maxBytes)
            return tooLarge();
        QByteArrayView line = received.sliced(pos, newline - pos);
        pos = newline + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.contains('\r'))
            return badRequest(u"a line of the request contains a bare CR"_s);
        if (!sawRequestLine) {
            if (line.isEmpty() && pos <= 4)
                continue; // RFC 9112 §2.2: empty lines before the request line are ignored
            if (auto error = checkRequestLine(line, true))
                return *error;
            sawRequestLine = true;
            continue;
        }
        if (line.isEmpty()) {
            if (contentLength >= 0 && chunked)
                return badRequest(u"a request cannot have both Content-Length and "
                                  "Transfer-Encoding"_s);
            HttpRequestHead head;
            head.verdict = Verdict::Complete;
            head.headBytes = pos;
            head.hasBody = contentLength > 0 || chunked;
            return head;
        }
        if (line.front() == ' ' || line.front() == '\t')
            return badRequest(u"obsolete line folding in a header field is not accepted"_s);
        const qsizetype colon = line.indexOf(':');
        if (colon < 0 || !isToken(line.first(colon)))
            return badRequest(
                u"malformed header field \"%1\": expected Name: value"_s.arg(printable(line)));
        const QByteArrayView value = line.sliced(colon + 1).trimmed();
        if (!isFieldValue(value))
            return badRequest(u"the header field %1 contains control characters"_s.arg(
                printable(line.first(colon))));
        const QByteArrayView name = line.first(colon);
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0) {
            bool ok = !value.isEmpty() && value.size() <= 15 &&
                      std::all_of(value.begin(), value.end(),
                                  [](char c) { return std::isdigit(uchar(c)); });
            const qint64 length = ok ? QByteArray(value.data(), value.size()).toLongLong(&ok) : -1;
            if (!ok || (contentLength >= 0 && contentLength != length))
                return badRequest(u"Content-Length must be one decimal number of bytes"_s);
            contentLength = length;
        } else if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0) {
            chunked = true;
        }
    }
}
