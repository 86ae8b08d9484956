#pragma once

#include <QDateTime>
#include <QString>

namespace Timestamps {

// Current time in UTC with millisecond precision.
QDateTime now();

// ISO 8601 in UTC with milliseconds, e.g. 2026-11-24T14:48:18.123Z. Empty for an invalid time.
QString toIso(const QDateTime &time);

// Parses ISO 8601 with or without fraction and offset; the result is in UTC, invalid on failure.
QDateTime fromIso(const QString &text);

} // namespace Timestamps
