#pragma once

#include <QString>

// This process's place among the instances sharing a database: its id (the owner of its live
// sessions and its summary claims) and its lease, a row renewed every heartbeatMs that other
// instances consider expired expiryMs after the last renewal.
struct InstanceLease {
    QString instanceId;
    int heartbeatMs = 5000;
    int expiryMs = 20000;
    // PostgreSQL: LISTEN for other instances taking this one's sessions over. Off where LISTEN
    // cannot work (a transaction-mode pooler); the heartbeat's owner check still notices.
    bool listens = true;
};
