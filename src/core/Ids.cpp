#include "core/Ids.h"

#include <algorithm>

namespace Ids {

QUuid parseSessionId(const QString &text) {
    if (text.size() != 36)
        return {};
    return QUuid::fromString(text);
}

QString toText(const QUuid &id) {
    return id.toString(QUuid::WithoutBraces);
}

QUuid newSessionId() {
    return QUuid::createUuid();
}

bool isValidUserId(const QString &userId) {
    if (userId.isEmpty() || userId.size() > kMaxUserIdLength)
        return false;
    return std::none_of(userId.cbegin(), userId.cend(), [](QChar c) {
        return c.category() == QChar::Other_Control || c == QChar::ReplacementCharacter;
    });
}

} // namespace Ids
