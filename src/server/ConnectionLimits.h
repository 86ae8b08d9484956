#pragma once

#include <QHash>
#include <QHostAddress>
#include <QString>

// How many connections each client address holds, and whether one more is allowed: at most
// `maxPerAddress` from any address, `maxPerLoopback` from a loopback one (where a reverse proxy
// or a local benchmark connects from); 0: no cap. An IPv4 peer seen through a dual-stack socket
// (::ffff:a.b.c.d) counts as its IPv4 address. Pure bookkeeping; ConnectionWatchdog asks it.
class ConnectionLimits {
public:
    ConnectionLimits(int maxPerAddress = 0, int maxPerLoopback = 0)
        : m_maxPerAddress(maxPerAddress)
        , m_maxPerLoopback(maxPerLoopback) {}

    void setCaps(int maxPerAddress, int maxPerLoopback) {
        m_maxPerAddress = maxPerAddress;
        m_maxPerLoopback = maxPerLoopback;
    }
    // The cap for `address`; 0: none.
    int capFor(const QHostAddress &address) const;

    // Counts a new connection from `address`; false (and not counted) when it is over the cap.
    bool admit(const QHostAddress &address);
    // A counted connection from `address` is gone.
    void release(const QHostAddress &address);

    int count(const QHostAddress &address) const;
    int total() const { return m_total; }

    static QString key(const QHostAddress &address);

private:
    int m_maxPerAddress;
    int m_maxPerLoopback;
    QHash<QString, int> m_counts;
    int m_total = 0;
};
