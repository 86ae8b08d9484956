#include "storage/StorageError.h"

StorageError::StorageError(const QString &message)
    : m_message(message)
    , m_what(message.toUtf8()) {}

QString StorageError::message() const {
    return m_message;
}

const char *StorageError::what() const noexcept {
    return m_what.constData();
}

void StorageError::raise() const {
    throw *this;
}

StorageError *StorageError::clone() const {
    return new StorageError(*this);
}
