#pragma once

#include "core/Config.h"

#include <QString>
#include <QStringList>
#include <functional>

// One configurable value and every place it may come from: a row of README's configuration
// table. ConfigTable holds them all.
struct ConfigSetting {
    enum class Id {
        Headless,
        Host,
        Port,
        Threads,
        DataDir,
        DatabaseUrl,
        LlmBaseUrl,
        LlmModel,
        LlmApiKey,
        LocalModel,
        ApiToken,
        JwtSecret,
        Jwks,
        JwtIssuer,
        JwtAudience,
        JwtUserClaim,
        JwtAdminRole,
        AllowedOrigins,
        AllowedHosts,
        AllowAnonymous,
        SystemPrompt,
        MaxMessageBytes,
        MaxQueuedMessages,
        MaxToolSteps,
        MaxConnectionsPerUser,
        MaxMessagesPerMinute,
        MaxAddressMessagesPerMinute,
        MaxTokensPerDay,
        MaxAddressTokensPerDay,
        MaxClientBufferBytes,
        LlmMaxConnections,
        LlmProbeInterval,
        LlmHttp,
        LlmCaFile,
        LlmPrices,
        SummaryConcurrency,
        LeaseHeartbeat,
        LeaseExpiry,
        LeaseListen,
        RequestTimeout,
        HandshakeTimeout,
        IdleTimeout,
        PingInterval,
        PingTimeout,
        MaxConnectionsPerAddress,
        MaxLoopbackConnections,
        AdminAllowRemoteControl,
        LogLevel,
    };

    Id id;
    QString option;          // command-line option without the dashes; empty: none
    QString valueName;       // what the option takes, for --help; empty: a flag
    QStringList environment; // environment variables, the first one set wins
    QString key;             // config file key; empty: none
    QString help;            // the --help line
    // Stores `text` into `config`; returns what is wrong with it, empty when accepted.
    std::function<QString(const QString &text, Config &config)> apply;
    // The value `config` holds, as text: the default, for a default-constructed Config.
    std::function<QString(const Config &config)> current;

    bool isFlag() const { return !option.isEmpty() && valueName.isEmpty(); }
};
