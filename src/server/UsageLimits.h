#pragma once

#include "core/TokenBucket.h"

#include <QHash>
#include <QHostAddress>
#include <QMutex>
#include <QString>
#include <optional>

// What one user, and one client address, may use: open session connections, user messages per
// minute, LLM tokens per day. Each rate is a TokenBucket (bursts up to the limit, refilling over
// the period), so a refusal knows when a retry can succeed. Loopback addresses have no address
// limit: everyone behind a local reverse proxy shares one, so limit them per user instead.
// 0 turns a limit off. Pure bookkeeping on a caller's monotonic clock; the SessionManagers of
// every network thread share one, so it is safe to use from any thread.
class UsageLimits {
public:
    struct Settings {
        int connectionsPerUser = 32;
        int messagesPerMinutePerUser = 120;
        int messagesPerMinutePerAddress = 600;
        qint64 tokensPerDayPerUser = 0;
        qint64 tokensPerDayPerAddress = 0;
    };
    struct Refusal {
        QString limit; // the rtai_rate_limited_total label: connections_per_user, …
        QString message;
        qint64 retryAfterMs = 0;
    };

    UsageLimits() = default;
    explicit UsageLimits(const Settings &settings) { setSettings(settings); }

    void setSettings(const Settings &settings);

    // Counts a new connection of `userId`, or refuses it (not counted).
    std::optional<Refusal> admitConnection(const QString &userId);
    // An admitted connection of `userId` is gone.
    void releaseConnection(const QString &userId);

    // Counts a user message, or refuses it (not counted) when the user or the address is over
    // its rate, or the user or the address spent the day's LLM tokens.
    std::optional<Refusal> admitMessage(const QString &userId, const QHostAddress &address,
                                        qint64 nowMs);
    // The LLM tokens a turn of `userId` from `address` used (known once it ended).
    void chargeTokens(const QString &userId, const QHostAddress &address, qint64 tokens,
                      qint64 nowMs);

    // Buckets held (full ones are forgotten now and then): memory stays bounded by the active.
    int trackedBuckets() const;

    // The labels of Refusal::limit.
    static inline const QString ConnectionsPerUser = QStringLiteral("connections_per_user");
    static inline const QString MessagesPerUser = QStringLiteral("messages_per_user");
    static inline const QString MessagesPerAddress = QStringLiteral("messages_per_address");
    static inline const QString TokensPerUser = QStringLiteral("tokens_per_user");
    static inline const QString TokensPerAddress = QStringLiteral("tokens_per_address");

private:
    TokenBucket &bucket(QHash<QString, TokenBucket> &buckets, const QString &key, qint64 capacity,
                        qint64 periodMs, qint64 nowMs);
    void forgetFullBuckets(qint64 nowMs);

    mutable QMutex m_mutex;
    Settings m_settings;
    QHash<QString, int> m_connections;
    QHash<QString, TokenBucket> m_userMessages;
    QHash<QString, TokenBucket> m_addressMessages;
    QHash<QString, TokenBucket> m_userTokens;
    QHash<QString, TokenBucket> m_addressTokens;
    int m_operationsSinceSweep = 0;
};
