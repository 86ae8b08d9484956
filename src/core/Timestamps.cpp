#include "core/Timestamps.h"

#include <QTimeZone>

namespace Timestamps {

QDateTime now() {
    return QDateTime::currentDateTimeUtc();
}

QString toIso(const QDateTime &time) {
    if (!time.isValid())
        return {};
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QDateTime fromIso(const QString &text) {
    QDateTime parsed = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!parsed.isValid())
        parsed = QDateTime::fromString(text, Qt::ISODate);
    return parsed.isValid() ? parsed.toUTC() : QDateTime();
}

} // namespace Timestamps
