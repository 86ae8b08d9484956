#pragma once

#include <QMetaType>
#include <QString>

struct LlmError {
    enum class Kind { Unavailable, RateLimited, BadRequest, Auth, Timeout, Protocol, Cancelled };

    Kind kind = Kind::Unavailable;
    QString message;          // what happened and what to do, ready to show to a person
    int httpStatus = 0;       // 0: no HTTP answer
    bool retryable = false;   // whether the user may simply try again later
    qint64 retryAfterMs = -1; // when retryable: the earliest a new try can succeed; -1: unknown
    // The message is about the setup (names settings, flags or variables): for the operator's
    // log and console; end users get LlmFailures::forEndUser's sentence instead.
    bool forOperator = false;
    int networkError = 0; // QNetworkReply::NetworkError when there was no HTTP answer; 0: none

    // The PROTOCOL.md error code: llm_unavailable (Unavailable, Auth, Timeout),
    // llm_rate_limited (RateLimited), llm_error (BadRequest, Protocol, Cancelled).
    QString protocolCode() const;
    // unavailable, rate_limited, bad_request, auth, timeout, protocol, cancelled (metrics labels).
    QString kindName() const;
};
Q_DECLARE_METATYPE(LlmError)
