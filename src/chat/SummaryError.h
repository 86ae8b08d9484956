#pragma once

#include "core/MessageError.h"

// A summary could not be written (the LLM failed or answered nothing).
class SummaryError : public MessageError {
public:
    using MessageError::MessageError;

    void raise() const override;
    SummaryError *clone() const override;
};
