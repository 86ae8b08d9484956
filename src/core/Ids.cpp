#include "core/Ids.h"

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

} // namespace Ids
