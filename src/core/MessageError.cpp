#include "core/MessageError.h"

MessageError::MessageError(const QString &message)
    : m_message(message)
    , m_what(message.toUtf8()) {}

QString MessageError::message() const {
    return m_message;
}

const char *MessageError::what() const noexcept {
    return m_what.constData();
}

void MessageError::raise() const {
    throw *this;
}

MessageError *MessageError::clone() const {
    return new MessageError(*this);
}
