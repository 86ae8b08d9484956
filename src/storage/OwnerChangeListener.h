#pragma once

#include <QObject>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QUuid>

// Listens, on the database thread's own PostgreSQL connection, for the notifications another
// instance sends when it takes a session over (SessionOwnership::channel()). A connection that
// drops loses its LISTEN: listen() runs again after every (re)connect, and what was sent in
// between is caught by the heartbeat's owner check instead (SessionService).
class OwnerChangeListener : public QObject {
    Q_OBJECT

public:
    using QObject::QObject;

    // Subscribes the connection (once per connection; a no-op when already subscribed).
    // False, with the driver's error, when LISTEN failed.
    bool listen(QSqlDatabase &db, QString *error);

Q_SIGNALS:
    void ownerChanged(const QUuid &sessionId, const QString &newOwner);

private:
    void onNotification(const QString &name, QSqlDriver::NotificationSource source,
                        const QVariant &payload);

    QSqlDriver *m_driver = nullptr;
};
