#pragma once

#include "ui/SessionArchive.h"

class AdminClient;

// The stored sessions of a remote server, read through its REST API with the admin credential
// (GET /api/sessions, ?q= for a search, /api/sessions/{id} and …/events; PATCH to rename). The
// REST API has no route for the sessions' usage: sessionUsage() answers an empty hash. Its health
// is the remote database's, as the server's last status told (setHealth).
class RemoteSessionArchive : public SessionArchive {
    Q_OBJECT

public:
    explicit RemoteSessionArchive(AdminClient *client, QObject *parent = nullptr);

    QFuture<std::optional<Session>> session(const QUuid &id) override;
    QFuture<SessionPage> sessions(const SessionQuery &query) override;
    QFuture<QHash<QUuid, SessionUsage>> sessionUsage(const QList<QUuid> &ids) override;
    QFuture<SessionSearchPage> searchSessions(const SessionSearchQuery &query) override;
    QFuture<QList<Event>> events(const QUuid &sessionId, qint64 afterId, int limit) override;
    QFuture<bool> renameSession(const QUuid &id, const QString &title) override;
    QString backendName() const override;
    bool isHealthy() const override { return m_healthy; }

    void setHealth(bool healthy, const QString &reason);

private:
    AdminClient *m_client;
    bool m_healthy = false;
};
