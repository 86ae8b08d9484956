#pragma once

#include "core/Event.h"

#include <QDateTime>
#include <QString>
#include <QUuid>

// One queued write, as Database hands it to the database thread.
struct WriteOp {
    enum class Kind { CreateSession, EndSession, AppendEvent, SetSummary, RecordSummaryFailure };
    Kind kind = Kind::AppendEvent;
    QUuid sessionId;
    QString text;   // user id, summary or error text
    QDateTime time; // start or end time
    Event event;
};
