#pragma once

#include <QByteArray>
#include <QSet>
#include <QString>
#include <QStringList>
#include <optional>

// Which web pages may use the server from a browser (PROTOCOL.md, "Origins"): the defence
// against cross-site WebSocket hijacking. A WebSocket upgrade is allowed with no Origin (not a
// browser), the server's own origin, or a configured one; REST answers CORS only to configured
// origins. Pure: no sockets, no logging.
class OriginPolicy {
public:
    OriginPolicy() = default;
    // `ownNames`: the names the server answers as (HostPolicy::names()), with `port` the port
    // it listens on; `allowedOrigins` as configured (scheme://host[:port]).
    OriginPolicy(const QStringList &ownNames, quint16 port, const QStringList &allowedOrigins);

    // An http(s) origin in the form browsers send it: lower-case scheme and host, IPv6 in
    // brackets, no default port, no trailing slash ("HTTP://Example.com:80/" →
    // "http://example.com"); empty for anything else, `null` included.
    static QString normalize(const QString &origin);

    // Whether a WebSocket upgrade with this Origin is allowed. `host` is the request's Host
    // header (already accepted by HostPolicy): a page of the same host and port is the server's
    // own, which covers a port forwarded to it and a wildcard address.
    bool allowsWebSocket(const std::optional<QByteArray> &origin,
                         const std::optional<QByteArray> &host) const;
    // Whether the origin is one of the configured ones, which get CORS answers.
    bool isConfigured(const QByteArray &origin) const;

private:
    QSet<QString> m_own;
    QSet<QString> m_configured;
};
