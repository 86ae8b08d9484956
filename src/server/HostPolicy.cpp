#include "server/HostPolicy.h"

#include <QHostAddress>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace {

// host[:port] of a Host header: a host name or IPv4 address, or a bracketed IPv6 address.
const QRegularExpression &hostAndPort() {
    static const QRegularExpression pattern(
        u"^(\\[[0-9a-f:.]+\\]|[a-z0-9_.-]+)(?::([0-9]{1,5}))?$"_s);
    return pattern;
}

// An allowed host as configured, in the form nameOf() gives: lower-case, IPv6 in brackets.
QString normalizedName(const QString &configured) {
    QString name = configured.trimmed().toLower();
    if (name.contains(u':') && !name.startsWith(u'['))
        name = u'[' + name + u']';
    return name;
}

bool isWildcard(const QString &bindHost) {
    const QHostAddress address(bindHost);
    return address == QHostAddress::AnyIPv4 || address == QHostAddress::AnyIPv6;
}

} // namespace

HostPolicy::HostPolicy(const QString &bindHost, const QStringList &allowedHosts) {
    const bool loopback = isLoopback(bindHost);
    // A wildcard address listens on loopback too, so the loopback names are the server's own.
    if (loopback || isWildcard(bindHost))
        m_names = {u"localhost"_s, u"127.0.0.1"_s, u"[::1]"_s};
    if (!isWildcard(bindHost) && !bindHost.trimmed().isEmpty())
        m_names << normalizedName(bindHost);
    for (const QString &allowed : allowedHosts)
        if (!allowed.trimmed().isEmpty())
            m_names << normalizedName(allowed);
    m_names.removeDuplicates();
    m_enforced = loopback || !allowedHosts.isEmpty();
}

bool HostPolicy::isLoopback(const QString &bindHost) {
    const QString host = bindHost.trimmed();
    return host.compare(u"localhost", Qt::CaseInsensitive) == 0 || QHostAddress(host).isLoopback();
}

QString HostPolicy::nameOf(const QByteArray &host, int *port) {
    if (port)
        *port = -1;
    const QRegularExpressionMatch match =
        hostAndPort().match(QString::fromLatin1(host.trimmed()).toLower());
    if (!match.hasMatch())
        return {};
    if (match.hasCaptured(2)) {
        const int number = match.captured(2).toInt();
        if (number > 65535)
            return {};
        if (port)
            *port = number;
    }
    return match.captured(1);
}

HostPolicy::Verdict HostPolicy::check(const std::optional<QByteArray> &host) const {
    if (!m_enforced)
        return Verdict::Allowed;
    if (!host)
        return Verdict::Missing;
    const QString name = nameOf(*host);
    return !name.isEmpty() && m_names.contains(name) ? Verdict::Allowed : Verdict::Foreign;
}
