#include "server/ConnectionLimits.h"

int ConnectionLimits::capFor(const QHostAddress &address) const {
    bool isIpv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIpv4);
    const bool loopback = isIpv4 ? QHostAddress(ipv4).isLoopback() : address.isLoopback();
    return loopback ? m_maxPerLoopback : m_maxPerAddress;
}

bool ConnectionLimits::admit(const QHostAddress &address) {
    const int cap = capFor(address);
    const QString name = key(address);
    if (cap > 0 && m_counts.value(name) >= cap)
        return false;
    ++m_counts[name];
    ++m_total;
    return true;
}

void ConnectionLimits::release(const QHostAddress &address) {
    const auto it = m_counts.find(key(address));
    if (it == m_counts.end())
        return;
    --m_total;
    if (--*it <= 0)
        m_counts.erase(it);
}

int ConnectionLimits::count(const QHostAddress &address) const {
    return m_counts.value(key(address));
}

QString ConnectionLimits::key(const QHostAddress &address) {
    bool isIpv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIpv4);
    if (isIpv4)
        return QHostAddress(ipv4).toString();
    QHostAddress withoutScope = address;
    withoutScope.setScopeId({});
    return withoutScope.toString();
}
