#include "storage/OwnerChangeListener.h"

#include "core/Logging.h"
#include "storage/SessionOwnership.h"

#include <QSqlError>

using namespace Qt::StringLiterals;

bool OwnerChangeListener::listen(QSqlDatabase &db, QString *error) {
    QSqlDriver *driver = db.driver();
    if (driver != m_driver) {
        if (m_driver)
            disconnect(m_driver, nullptr, this, nullptr);
        m_driver = driver;
        connect(driver, &QSqlDriver::notification, this, &OwnerChangeListener::onNotification);
    }
    if (driver->subscribedToNotifications().contains(SessionOwnership::channel()))
        return true;
    if (driver->subscribeToNotification(SessionOwnership::channel()))
        return true;
    *error = driver->lastError().text().trimmed();
    return false;
}

void OwnerChangeListener::onNotification(const QString &name, QSqlDriver::NotificationSource,
                                         const QVariant &payload) {
    if (name != SessionOwnership::channel())
        return;
    const QStringList parts = payload.toString().split(u' ');
    const QUuid id = parts.size() == 2 ? QUuid::fromString(parts.first()) : QUuid();
    if (id.isNull() || parts.last().isEmpty()) {
        qCWarning(lcStorage).noquote()
            << "ignoring a malformed" << name << "notification:" << payload.toString();
        return;
    }
    Q_EMIT ownerChanged(id, parts.last());
}
