#pragma once

#include "core/Config.h"

#include <QString>

// Whether a configuration may serve (README, "Security"): listening on a non-loopback address
// with no authentication would let anyone who reaches it use the LLM and read, resume and delete
// every session, so it is refused unless the operator says so with allow_anonymous. Pure.
class ExposurePolicy {
public:
    // Empty when the configuration may serve; else why not and what to configure.
    static QString refusal(const Config &config);
    // The warning to log at every start of a server that serves anonymously beyond loopback
    // (allowed by allow_anonymous); empty when there is nothing to warn about.
    static QString warning(const Config &config);

private:
    static bool anonymousBeyondLoopback(const Config &config);
};
