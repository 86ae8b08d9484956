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
    const QMutexLocker locker(&m_mutex);
    m_settings = settings;
    // Buckets keep the capacity they were made with: start over with the new limits.
    m_userMessages.clear();
    m_addressMessages.clear();
    m_userTokens.clear();
    m_addressTokens.clear();
}

std::optional<UsageLimits::Refusal> UsageLimits::admitConnection(const QString &userId) {
    const QMutexLocker locker(&m_mutex);
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
    const QMutexLocker locker(&m_mutex);
    const auto it = m_connections.find(userId);
    if (it != m_connections.end() && --*it <= 0)
        m_connections.erase(it);
}

std::optional<UsageLimits::Refusal>
UsageLimits::admitMessage(const QString &userId, const QHostAddress &address, qint64 nowMs) {
    const QMutexLocker locker(&m_mutex);
    if (++m_operationsSinceSweep >= kSweepEvery)
        forgetFullBuckets(nowMs);
    const QString addressKey = ConnectionLimits::key(address);
    const qint64 perAddress = address.isLoopback() ? 0 : 1; // loopback: no address limits
    // A message takes one from each message rate; the day's tokens are charged after its turn,
    // so a budget only has to hold one. Every check must pass before anything is taken.
    struct Check {
        QHash<QString, TokenBucket> &buckets;
        QString key;
        qint64 limit;
        qint64 periodMs;
        QString label;
        QString refusal; // %1: the limit, %2: whose
        QString who;
        bool takes;
    };
    const QString tokensUsedUp = u"the %1 LLM tokens a day of %2 are used up; try again later"_s;
    const QString tooManyMessages =
        u"more than %1 messages a minute from %2; wait and send it again"_s;
    const Check checks[] = {
        {m_userTokens, userId, m_settings.tokensPerDayPerUser, kDayMs, TokensPerUser, tokensUsedUp,
         u"user "_s + userId, false},
        {m_addressTokens, addressKey, perAddress * m_settings.tokensPerDayPerAddress, kDayMs,
         TokensPerAddress, tokensUsedUp, u"address "_s + addressKey, false},
        {m_userMessages, userId, m_settings.messagesPerMinutePerUser, kMinuteMs, MessagesPerUser,
         tooManyMessages, u"user "_s + userId, true},
        {m_addressMessages, addressKey, perAddress * m_settings.messagesPerMinutePerAddress,
         kMinuteMs, MessagesPerAddress, tooManyMessages, u"address "_s + addressKey, true},
    };
    QList<TokenBucket *> taking;
    for (const Check &check : checks) {
        if (check.limit <= 0)
            continue;
        TokenBucket &limit = bucket(check.buckets, check.key, check.limit, check.periodMs, nowMs);
        if (!limit.holds(1, nowMs))
            return Refusal{check.label, check.refusal.arg(check.limit).arg(check.who),
                           limit.msUntil(1, nowMs)};
        if (check.takes)
            taking.append(&limit);
    }
    for (TokenBucket *limit : std::as_const(taking))
        limit->take(1, nowMs);
    return std::nullopt;
}

void UsageLimits::chargeTokens(const QString &userId, const QHostAddress &address, qint64 tokens,
                               qint64 nowMs) {
    const QMutexLocker locker(&m_mutex);
    if (tokens <= 0)
        return;
    if (m_settings.tokensPerDayPerUser > 0)
        bucket(m_userTokens, userId, m_settings.tokensPerDayPerUser, kDayMs, nowMs)
            .charge(tokens, nowMs);
    if (m_settings.tokensPerDayPerAddress > 0 && !address.isLoopback())
        bucket(m_addressTokens, ConnectionLimits::key(address), m_settings.tokensPerDayPerAddress,
               kDayMs, nowMs)
            .charge(tokens, nowMs);
}

int UsageLimits::trackedBuckets() const {
    const QMutexLocker locker(&m_mutex);
    return int(m_userMessages.size() + m_addressMessages.size() + m_userTokens.size() +
               m_addressTokens.size());
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
         {&m_userMessages, &m_addressMessages, &m_userTokens, &m_addressTokens})
        buckets->removeIf(
            [nowMs](QHash<QString, TokenBucket>::iterator it) { return it->isFull(nowMs); });
}
