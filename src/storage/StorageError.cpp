#include "storage/StorageError.h"

void StorageError::raise() const {
    throw *this;
}

StorageError *StorageError::clone() const {
    return new StorageError(*this);
}
