#pragma once

#include "core/SessionUsage.h"
#include "storage/SqlStore.h"

#include <QHash>
#include <QList>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QUuid>

class SqlDialect;

// Reads what sessions' replies used (tokens per model, time to first token, tool calls) as
// sums over their stored assistant_message and tool_call events, computed by the database, on
// the database thread. Throws SqlFailure when a statement fails.
class SessionUsageStore : private SqlStore {
public:
    SessionUsageStore(const QSqlDatabase &db, const SqlDialect &dialect);

    // Every one of `ids` that exists gets an entry (an empty one when it has no replies yet).
    QHash<QUuid, SessionUsage> usage(const QList<QUuid> &ids);
};
