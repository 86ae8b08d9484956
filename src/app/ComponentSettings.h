#pragma once

#include "chat/ChatSettings.h"
#include "core/Config.h"
#include "llm/LlmEndpoint.h"
#include "server/ConnectionWatchdog.h"
#include "server/JwtVerifier.h"
#include "server/SessionSocket.h"
#include "server/UsageLimits.h"
#include "storage/InstanceLease.h"

// The Config, translated into the settings each component of the Backend takes.
namespace ComponentSettings {

// The LLM endpoint may narrow the context and the reply (the local model's own sizes).
ChatSettings chat(const Config &config, const LlmEndpoint &endpoint);
SessionSocket::Limits socketLimits(const Config &config);
UsageLimits::Settings usageLimits(const Config &config);
JwtVerifier::Settings jwt(const Config &config);
ConnectionWatchdog::Settings connections(const Config &config);
InstanceLease lease(const Config &config);

} // namespace ComponentSettings
