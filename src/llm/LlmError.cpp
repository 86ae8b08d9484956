#include "llm/LlmError.h"

using namespace Qt::StringLiterals;

QString LlmError::protocolCode() const {
    switch (kind) {
    case Kind::Unavailable:
    case Kind::Auth:
    case Kind::Timeout:
        return u"llm_unavailable"_s;
    case Kind::RateLimited:
        return u"llm_rate_limited"_s;
    case Kind::BadRequest:
    case Kind::Protocol:
    case Kind::Cancelled:
        break;
    }
    return u"llm_error"_s;
}

QString LlmError::kindName() const {
    switch (kind) {
    case Kind::Unavailable:
        return u"unavailable"_s;
    case Kind::RateLimited:
        return u"rate_limited"_s;
    case Kind::BadRequest:
        return u"bad_request"_s;
    case Kind::Auth:
        return u"auth"_s;
    case Kind::Timeout:
        return u"timeout"_s;
    case Kind::Protocol:
        return u"protocol"_s;
    case Kind::Cancelled:
        return u"cancelled"_s;
    }
    return {};
}
