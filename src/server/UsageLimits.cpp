#include "server/UsageLimits.h"

#include "server/ConnectionLimits.h"

#include <QList>

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kMinuteMs = 60'000;
constexpr qint64 kDayMs = 24 * 60 * kMinuteMs;
// Full buckets are forgotten once per this many operations: amortized O(1).
constexpr int kSweepEvery = 1024;
// A refused connection may try again after this: another of the user's may have closed.
constexpr qint64 kConnectionRetryMs = 1000;

} // namespace

void UsageLimits::setSettings(const Settings &settings) {
    m_settings = settings;
    // Buckets keep the capacity they were made with: start over with the new limits.
    m_userMessages.clear();
    m_addressMessages.clear();
    m_userTokens.clear();
}

std::optional<UsageLimits::Refusal> UsageLimits::admitConnection(const QString &userId) {
    int &open = m_connections[userId];
    if (m_settings.connectionsPerUser > 0 && open >= m_settings.connectionsPerUser)
        return Refusal{ConnectionsPerUser,
                       u"user %1 already has %2 open connections, the most this server allows; "
                       "close one and try again"_s.arg(userId)
                           .arg(m_settings.connectionsPerUser),
                       kConnectionRetryMs};
    ++open;
    return std::nullopt;
}

void UsageLimits::releaseConnection(const QString &userId) {
    const auto it = m_connections.find(userId);
    if (it != m_connections.end() && --*it <= 0)
        m_connections.erase(it);
}

std::optional<UsageLimits::Refusal>
UsageLimits::admitMessage(const QString &userId, const QHostAddress &address, qint64 nowMs) {
    if (++m_operationsSinceSweep >= kSweepEvery)
        forgetFullBuckets(nowMs);
    if (m_settings.tokensPerDayPerUser > 0) {
        TokenBucket &tokens =
            bucket(m_userTokens, userId, m_settings.tokensPerDayPerUser, kDayMs, nowMs);
        if (!tokens.holds(1, nowMs))
            return Refusal{TokensPerUser,
                           u"the %1 LLM tokens a day of user %2 are used up; try again later"_s
                               .arg(m_settings.tokensPerDayPerUser)
                               .arg(userId),
                           tokens.msUntil(1, nowMs)};
    }
    // Both rates must allow it before either counts it.
    struct Rate {
        QHash<QString, TokenBucket> &buckets;
        QString key;
        int perMinute;
        QString label;
        QString who;
    };
    const Rate rates[] = {
        {m_userMessages, userId, m_settings.messagesPerMinutePerUser, MessagesPerUser,
         u"user "_s + userId},
        {m_addressMessages, ConnectionLimits::key(address),
         address.isLoopback() ? 0 : m_settings.messagesPerMinutePerAddress, MessagesPerAddress,
         u"address "_s + ConnectionLimits::key(address)},
    };
    QList<TokenBucket *> admitted;
    for (const Rate &rate : rates) {
        if (rate.perMinute <= 0)
            continue;
        TokenBucket &messages = bucket(rate.buckets, rate.key, rate.perMinute, kMinuteMs, nowMs);
        if (!messages.holds(1, nowMs))
            return Refusal{rate.label,
                           u"more than %1 messages a minute from %2; wait and send it again"_s
                               .arg(rate.perMinute)
                               .arg(rate.who),
                           messages.msUntil(1, nowMs)};
        admitted.append(&messages);
    }
    for (TokenBucket *messages : std::as_const(admitted))
        messages->take(1, nowMs);
    return std::nullopt;
}

void UsageLimits::chargeTokens(const QString &userId, qint64 tokens, qint64 nowMs) {
    if (m_settings.tokensPerDayPerUser <= 0 || tokens <= 0)
        return;
    bucket(m_userTokens, userId, m_settings.tokensPerDayPerUser, kDayMs, nowMs)
        .charge(tokens, nowMs);
}

int UsageLimits::trackedBuckets() const {
    return int(m_userMessages.size() + m_addressMessages.size() + m_userTokens.size());
}

TokenBucket &UsageLimits::bucket(QHash<QString, TokenBucket> &buckets, const QString &key,
                                 qint64 capacity, qint64 periodMs, qint64 nowMs) {
    auto it = buckets.find(key);
    if (it == buckets.end())
        it = buckets.insert(key, TokenBucket(capacity, periodMs, nowMs));
    return *it;
}

void UsageLimits::forgetFullBuckets(qint64 nowMs) {
    m_operationsSinceSweep = 0;
    for (QHash<QString, TokenBucket> *buckets :
         {&m_userMessages, &m_addressMessages, &m_userTokens})
        buckets->removeIf(
            [nowMs](QHash<QString, TokenBucket>::iterator it) { return it->isFull(nowMs); });
}
