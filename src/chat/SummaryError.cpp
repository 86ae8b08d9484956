#include "chat/SummaryError.h"

SummaryError::SummaryError(const QString &message)
    : m_message(message) {}

QString SummaryError::message() const {
    return m_message;
}

void SummaryError::raise() const {
    throw *this;
}

SummaryError *SummaryError::clone() const {
    return new SummaryError(*this);
}
