#pragma once

#include "core/MessageError.h"

// The exception a failed storage QFuture carries: what went wrong, in words a user can act on
// (bad URL, unreachable server, failed migration, database unavailable, …).
class StorageError : public MessageError {
public:
    using MessageError::MessageError;

    void raise() const override;
    StorageError *clone() const override;
};
