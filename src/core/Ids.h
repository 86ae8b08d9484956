#pragma once

#include <QString>
#include <QUuid>

namespace Ids {

// A session id is a UUID in canonical text form: 36 characters, lower- or upper-case hex,
// no braces. Returns a null QUuid for anything else.
QUuid parseSessionId(const QString &text);

// Canonical lower-case text form without braces, as the seed and PostgreSQL print it.
QString toText(const QUuid &id);

QUuid newSessionId();

// A user id is any text of 1 to kMaxUserIdLength characters.
inline constexpr int kMaxUserIdLength = 128;
inline bool isValidUserId(const QString &userId) {
    return !userId.isEmpty() && userId.size() <= kMaxUserIdLength;
}

} // namespace Ids
