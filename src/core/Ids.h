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

// A user id is printable text of 1 to kMaxUserIdLength characters: no control characters (a
// NUL cannot even be stored in PostgreSQL), and no U+FFFD, which is what bytes that were not
// UTF-8 decode to (the id stored would not be the one the client sent).
inline constexpr int kMaxUserIdLength = 128;
bool isValidUserId(const QString &userId);

} // namespace Ids
