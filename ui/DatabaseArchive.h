#pragma once

#include "ui/SessionArchive.h"

class Database;

// The sessions of this process's own database (the embedded server's), as the console reads
// them: each call is the Database's, on its thread.
class DatabaseArchive : public SessionArchive {
    Q_OBJECT

public:
    explicit DatabaseArchive(Database *database, QObject *parent = nullptr);

    QFuture<std::optional<Session>> session(const QUuid &id) override;
    QFuture<SessionPage> sessions(const SessionQuery &query) override;
    QFuture<QHash<QUuid, SessionUsage>> sessionUsage(const QList<QUuid> &ids) override;
    QFuture<SessionSearchPage> searchSessions(const SessionSearchQuery &query) override;
    QFuture<QList<Event>> events(const QUuid &sessionId, qint64 afterId, int limit) override;
    QFuture<bool> renameSession(const QUuid &id, const QString &title) override;
    QString backendName() const override;
    bool isHealthy() const override;

private:
    Database *m_database;
};
