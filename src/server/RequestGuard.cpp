#include "server/RequestGuard.h"

#include "server/Protocol.h"

#include <QHttpServerRequest>

using namespace Qt::StringLiterals;

namespace {

constexpr qsizetype kMaxQuotedBytes = 200;

// A header value as it may be quoted in a message or the log: printable ASCII, bounded.
QString quoted(const QByteArray &value) {
    QByteArray printable = value.left(kMaxQuotedBytes);
    for (char &c : printable)
        if (c < 0x20 || c > 0x7e)
            c = '?';
    return u"'"_s + QString::fromLatin1(printable) +
           (value.size() > kMaxQuotedBytes ? u"…'"_s : u"'"_s);
}

RequestGuard::Verdict refuse(int status, const QString &code, const QString &message) {
    HttpReply reply = HttpReply::error(status, code, message);
    reply.headers.append({QByteArrayLiteral("Connection"), QByteArrayLiteral("close")});
    return {reply, u"refused (%1 %2): %3"_s.arg(status).arg(code, message), {}};
}

} // namespace

RequestGuard::Request RequestGuard::Request::from(const QHttpServerRequest &request) {
    Request result;
    std::optional<QByteArray> requestMethod;
    for (const auto &[name, value] : request.headers()) {
        std::optional<QByteArray> *target = nullptr;
        if (name.compare("host", Qt::CaseInsensitive) == 0)
            target = &result.host;
        else if (name.compare("origin", Qt::CaseInsensitive) == 0)
            target = &result.origin;
        else if (name.compare("access-control-request-method", Qt::CaseInsensitive) == 0)
            target = &requestMethod;
        else if (name.compare("upgrade", Qt::CaseInsensitive) == 0)
            result.webSocket = value.trimmed().compare("websocket", Qt::CaseInsensitive) == 0;
        if (target && *target)
            (*target)->append(", ").append(value);
        else if (target)
            *target = value;
    }
    result.preflight =
        request.method() == QHttpServerRequest::Method::Options && result.origin && requestMethod;
    return result;
}

RequestGuard::RequestGuard(HostPolicy hosts, OriginPolicy origins)
    : m_hosts(std::move(hosts))
    , m_origins(std::move(origins)) {}

RequestGuard::Verdict RequestGuard::check(const Request &request) const {
    switch (m_hosts.check(request.host)) {
    case HostPolicy::Verdict::Allowed:
        break;
    case HostPolicy::Verdict::Missing:
        return refuse(400, Protocol::Error::BadRequest,
                      u"the request has no Host header; HTTP/1.1 requires one"_s);
    case HostPolicy::Verdict::Foreign:
        return refuse(421, Protocol::Error::HostNotAllowed,
                      u"this server does not answer as Host %1; if that is its name, add it "
                      "to server/allowed_hosts (RTAI_ALLOWED_HOSTS, --allowed-hosts)"_s.arg(
                          quoted(*request.host)));
    }
    if (request.webSocket && !m_origins.allowsWebSocket(request.origin, request.host)) {
        if (request.origin->trimmed() == "null")
            return refuse(403, Protocol::Error::OriginNotAllowed,
                          u"WebSocket connections from Origin 'null' (a sandboxed page or a "
                          "local file) are not allowed; serve the page from the server itself "
                          "or from an origin listed in server/allowed_origins"_s);
        return refuse(403, Protocol::Error::OriginNotAllowed,
                      u"WebSocket connections from Origin %1 are not allowed; to let pages of "
                      "that origin connect, add it to server/allowed_origins "
                      "(RTAI_ALLOWED_ORIGINS, --allowed-origins)"_s.arg(quoted(*request.origin)));
    }
    const bool configured = request.origin && m_origins.isConfigured(*request.origin);
    if (request.preflight) {
        if (!configured)
            return refuse(403, Protocol::Error::OriginNotAllowed,
                          u"cross-origin requests from Origin %1 are not allowed; to allow "
                          "them, add it to server/allowed_origins (RTAI_ALLOWED_ORIGINS, "
                          "--allowed-origins)"_s.arg(quoted(*request.origin)));
        HttpReply reply{204, {}, {}, corsHeaders(request.origin->trimmed())};
        reply.headers.append({QByteArrayLiteral("Access-Control-Allow-Methods"),
                              QByteArrayLiteral("GET, PATCH, DELETE")});
        reply.headers.append({QByteArrayLiteral("Access-Control-Allow-Headers"),
                              QByteArrayLiteral("Authorization, Content-Type")});
        reply.headers.append(
            {QByteArrayLiteral("Access-Control-Max-Age"), QByteArrayLiteral("600")});
        return {reply, {}, {}};
    }
    if (configured && !request.webSocket)
        return {std::nullopt, {}, request.origin->trimmed()};
    return {};
}

QList<QPair<QByteArray, QByteArray>> RequestGuard::corsHeaders(const QByteArray &origin) {
    return {{QByteArrayLiteral("Access-Control-Allow-Origin"), origin},
            {QByteArrayLiteral("Vary"), QByteArrayLiteral("Origin")}};
}
