#include "llm/LlmError.h"

QString LlmError::protocolCode() const {
    switch (kind) {
    case Kind::Unavailable:
    case Kind::Auth:
    case Kind::Timeout:
        return QStringLiteral("llm_unavailable");
    case Kind::RateLimited:
        return QStringLiteral("llm_rate_limited");
    case Kind::BadRequest:
    case Kind::Protocol:
    case Kind::Cancelled:
        break;
    }
    return QStringLiteral("llm_error");
}

QString LlmError::kindName() const {
    switch (kind) {
    case Kind::Unavailable:
        return QStringLiteral("unavailable");
    case Kind::RateLimited:
        return QStringLiteral("rate_limited");
    case Kind::BadRequest:
        return QStringLiteral("bad_request");
    case Kind::Auth:
        return QStringLiteral("auth");
    case Kind::Timeout:
        return QStringLiteral("timeout");
    case Kind::Protocol:
        return QStringLiteral("protocol");
    case Kind::Cancelled:
        return QStringLiteral("cancelled");
    }
    return {};
}
