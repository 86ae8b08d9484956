#include "chat/SummaryError.h"

void SummaryError::raise() const {
    throw *this;
}

SummaryError *SummaryError::clone() const {
    return new SummaryError(*this);
}
