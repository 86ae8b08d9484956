#include "storage/InstanceStore.h"

#include "storage/SqlDialect.h"

#include <QCoreApplication>
#include <QSysInfo>

using namespace Qt::StringLiterals;

namespace {
constexpr qint64 kForgetDeadAfterMs = 24LL * 3600 * 1000;
}

InstanceStore::InstanceStore(const QSqlDatabase &db, const SqlDialect &dialect)
    : SqlStore(db, dialect) {}

void InstanceStore::registerInstance(const InstanceLease &lease) {
    run(u"DELETE FROM rtai_instances WHERE lease_expires_at < %1"_s.arg(
            m_dialect.nowPlusMs(-kForgetDeadAfterMs)),
        {}, u"forget long-dead instances"_s);
    run(u"INSERT INTO rtai_instances (instance_id, host, pid, started_at, heartbeat_at, "
        "lease_expires_at) VALUES (?, ?, ?, %1, %1, %2) ON CONFLICT (instance_id) DO UPDATE SET "
        "heartbeat_at = excluded.heartbeat_at, lease_expires_at = excluded.lease_expires_at"_s.arg(
            m_dialect.now(), m_dialect.nowPlusMs(lease.expiryMs)),
        {lease.instanceId, QSysInfo::machineHostName(), QCoreApplication::applicationPid()},
        u"register instance"_s);
}

InstanceStore::Renewal InstanceStore::renew(const InstanceLease &lease) {
    QSqlQuery current =
        run(u"SELECT CASE WHEN lease_expires_at < %1 THEN 1 ELSE 0 END FROM rtai_instances "
            "WHERE instance_id = ?"_s.arg(m_dialect.now()),
            {lease.instanceId}, u"read lease"_s);
    if (!current.next()) {
        registerInstance(lease);
        return Renewal::WasMissing;
    }
    const bool expired = current.value(0).toInt() == 1;
    run(u"UPDATE rtai_instances SET heartbeat_at = %1, lease_expires_at = %2 WHERE "
        "instance_id = ?"_s.arg(m_dialect.now(), m_dialect.nowPlusMs(lease.expiryMs)),
        {lease.instanceId}, u"renew lease"_s);
    return expired ? Renewal::WasExpired : Renewal::Renewed;
}

void InstanceStore::release(const QString &instanceId) {
    run(u"DELETE FROM rtai_instances WHERE instance_id = ?"_s, {instanceId}, u"release instance"_s);
}

int InstanceStore::ownedSessions(const QString &instanceId) {
    QSqlQuery query = run(u"SELECT count(*) FROM sessions WHERE owner_instance = ? AND end_time IS "
                          "NULL"_s,
                          {instanceId}, u"count owned sessions"_s);
    return query.next() ? query.value(0).toInt() : 0;
}
