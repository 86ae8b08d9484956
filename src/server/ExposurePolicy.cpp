#include "server/ExposurePolicy.h"

#include "server/HostPolicy.h"

using namespace Qt::StringLiterals;

bool ExposurePolicy::anonymousBeyondLoopback(const Config &config) {
    return !HostPolicy::isLoopback(config.host) && config.apiToken.isEmpty() &&
           config.jwtSecret.isEmpty() && config.jwks.isEmpty();
}

QString ExposurePolicy::refusal(const Config &config) {
    if (!anonymousBeyondLoopback(config) || config.allowAnonymous)
        return {};
    return u"refusing to listen on %1 without authentication: anyone who can reach it could "
           "use the LLM and read or delete every session. Set an API token (RTAI_API_TOKEN or "
           "server/api_token in the config file) or JWT verification (RTAI_JWT_SECRET or "
           "RTAI_JWKS), listen on 127.0.0.1, or pass "
           "--allow-anonymous (RTAI_ALLOW_ANONYMOUS=true, server/allow_anonymous) if anonymous "
           "access is intended"_s.arg(config.host);
}

QString ExposurePolicy::warning(const Config &config) {
    if (!anonymousBeyondLoopback(config))
        return {};
    return u"listening on %1 without authentication (allow_anonymous): anyone who can reach "
           "it can use the LLM and read, resume and delete every session; set RTAI_API_TOKEN, "
           "RTAI_JWT_SECRET or RTAI_JWKS to require a token"_s.arg(config.host);
}
