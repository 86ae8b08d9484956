#include "app/ComponentSettings.h"

#include <QtGlobal>

namespace ComponentSettings {

ChatSettings chat(const Config &config, const LlmEndpoint &endpoint) {
    ChatSettings settings;
    settings.systemPrompt = config.systemPrompt;
    settings.maxToolSteps = config.maxToolSteps;
    settings.maxQueuedMessages = config.maxQueuedMessages;
    if (endpoint.contextTokens() > 0)
        settings.contextTokens = endpoint.contextTokens();
    settings.maxReplyTokens = endpoint.maxReplyTokens();
    return settings;
}

SessionSocket::Limits socketLimits(const Config &config) {
    SessionSocket::Limits limits;
    limits.maxMessageBytes = config.maxMessageBytes;
    // Between the two limits a client gets error too_large and stays connected.
    limits.hardFrameBytes = qMax<qint64>(4 * qint64(config.maxMessageBytes), 256 * 1024);
    limits.maxBufferedBytes = config.maxClientBufferBytes;
    return limits;
}

UsageLimits::Settings usageLimits(const Config &config) {
    UsageLimits::Settings settings;
    settings.connectionsPerUser = config.maxConnectionsPerUser;
    settings.messagesPerMinutePerUser = config.maxMessagesPerMinute;
    settings.messagesPerMinutePerAddress = config.maxAddressMessagesPerMinute;
    settings.tokensPerDayPerUser = config.maxTokensPerDay;
    settings.tokensPerDayPerAddress = config.maxAddressTokensPerDay;
    return settings;
}

JwtVerifier::Settings jwt(const Config &config) {
    JwtVerifier::Settings settings;
    settings.hmacSecret = config.jwtSecret.toUtf8();
    settings.issuer = config.jwtIssuer;
    settings.audience = config.jwtAudience;
    settings.userClaim = config.jwtUserClaim;
    settings.adminRole = config.jwtAdminRole;
    return settings;
}

ConnectionWatchdog::Settings connections(const Config &config) {
    ConnectionWatchdog::Settings settings;
    settings.requestTimeoutMs = config.requestTimeoutS * 1000;
    settings.handshakeTimeoutMs = config.handshakeTimeoutS * 1000;
    settings.idleTimeoutMs = config.idleTimeoutS * 1000;
    settings.pingIntervalMs = config.pingIntervalS * 1000;
    settings.pingTimeoutMs = config.pingTimeoutS * 1000;
    settings.maxConnectionsPerAddress = config.maxConnectionsPerAddress;
    settings.maxLoopbackConnections = config.maxLoopbackConnections;
    return settings;
}

InstanceLease lease(const Config &config) {
    InstanceLease lease;
    lease.heartbeatMs = config.leaseHeartbeatS * 1000;
    lease.expiryMs = config.leaseExpiryS * 1000;
    lease.listens = config.leaseListen != 0;
    return lease;
}

} // namespace ComponentSettings
