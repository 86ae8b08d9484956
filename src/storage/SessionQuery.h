#pragma once

#include <QDateTime>
#include <QString>

// Which sessions Database::sessions() lists: newest first (by start_time), at most `limit`,
// only those that started strictly before `before` when it is valid.
struct SessionQuery {
    QString userId; // empty: every user
    enum class Status { Any, Active, Ended } status = Status::Any;
    int limit = 50; // clamped to 1..1000
    QDateTime before;
};
