#pragma once

#include "storage/InstanceLease.h"
#include "storage/SqlStore.h"

#include <QSqlDatabase>
#include <QSqlQuery>

class SqlDialect;

// The statements on rtai_instances, the lease rows of the instances sharing the database, run
// on the database thread. Every method throws SqlFailure when a statement fails.
class InstanceStore : private SqlStore {
public:
    enum class Renewal { Renewed, WasExpired, WasMissing };

    InstanceStore(const QSqlDatabase &db, const SqlDialect &dialect);

    // Inserts (or replaces) this instance's row with a fresh lease, and deletes rows whose
    // lease expired more than a day ago.
    void registerInstance(const InstanceLease &lease);
    // Extends the lease by expiryMs from now; says whether it had expired (others may have
    // taken over this instance's sessions) or the row was gone (it is inserted again).
    Renewal renew(const InstanceLease &lease);
    // Graceful end: the row goes, so other instances need not wait for the lease to expire.
    void release(const QString &instanceId);
    // Live sessions (no end_time) whose owner is this instance.
    int ownedSessions(const QString &instanceId);
};
