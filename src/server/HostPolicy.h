#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <optional>

// Which `Host` headers this server answers (PROTOCOL.md, "Hosts"): the defence against DNS
// rebinding, where a foreign page's name is made to resolve to 127.0.0.1 and the browser then
// sends that name as Host. Bound to a loopback address, the names are localhost, 127.0.0.1 and
// [::1] (any port), the configured host and the allowed hosts; bound elsewhere, the check applies
// only when allowed hosts are configured. Pure: no sockets, no logging.
class HostPolicy {
public:
    enum class Verdict { Allowed, Missing, Foreign };

    HostPolicy()
        : HostPolicy(QStringLiteral("127.0.0.1"), {}) {}
    // `bindHost` is the configured host (an IP address or "localhost").
    HostPolicy(const QString &bindHost, const QStringList &allowedHosts);

    // Loopback: localhost, or an address in 127.0.0.0/8 or ::1.
    static bool isLoopback(const QString &bindHost);
    // The name of a Host header value, lower-case, IPv6 in brackets ("Example.COM:80" →
    // "example.com", "[::1]:8000" → "[::1]"), and its port in `*port` (-1 when none); empty
    // when the value is not host[:port].
    static QString nameOf(const QByteArray &host, int *port = nullptr);

    // Whether Host headers are checked at all.
    bool enforced() const { return m_enforced; }
    // `host` is the header's value, nullopt when the request has none.
    Verdict check(const std::optional<QByteArray> &host) const;
    // The names the server answers as (lower-case, IPv6 in brackets); those of the web pages
    // that are its own origin. Empty entries never occur.
    const QStringList &names() const { return m_names; }

private:
    QStringList m_names;
    bool m_enforced = true;
};
