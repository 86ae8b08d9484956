#include "ui/DatabaseArchive.h"

#include "storage/Database.h"

DatabaseArchive::DatabaseArchive(Database *database, QObject *parent)
    : SessionArchive(parent)
    , m_database(database) {
    connect(database, &Database::healthChanged, this, &SessionArchive::healthChanged);
}

QFuture<std::optional<Session>> DatabaseArchive::session(const QUuid &id) {
    return m_database->session(id);
}

QFuture<SessionPage> DatabaseArchive::sessions(const SessionQuery &query) {
    return m_database->sessions(query);
}

QFuture<QHash<QUuid, SessionUsage>> DatabaseArchive::sessionUsage(const QList<QUuid> &ids) {
    return m_database->sessionUsage(ids);
}

QFuture<SessionSearchPage> DatabaseArchive::searchSessions(const SessionSearchQuery &query) {
    return m_database->searchSessions(query);
}

QFuture<QList<Event>> DatabaseArchive::events(const QUuid &sessionId, qint64 afterId, int limit) {
    return m_database->events(sessionId, afterId, limit);
}

QFuture<bool> DatabaseArchive::renameSession(const QUuid &id, const QString &title) {
    return m_database->renameSession(id, title);
}

QString DatabaseArchive::backendName() const {
    return m_database->backendName();
}

bool DatabaseArchive::isHealthy() const {
    return m_database->isHealthy();
}
