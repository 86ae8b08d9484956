#pragma once

#include "core/Event.h"
#include "core/Session.h"
#include "core/SessionUsage.h"
#include "storage/SessionPage.h"
#include "storage/SessionQuery.h"
#include "storage/SessionSearchPage.h"
#include "storage/SessionSearchQuery.h"

#include <QFuture>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QUuid>
#include <optional>

// The stored sessions as the console reads (and renames) them, wherever they are: the embedded
// server's database (DatabaseArchive) or a remote server's REST API (RemoteSessionArchive). The
// answers are those of the Database methods of the same names; a failed future carries a
// MessageError with what went wrong. Nothing here blocks.
class SessionArchive : public QObject {
    Q_OBJECT

public:
    using QObject::QObject;

    virtual QFuture<std::optional<Session>> session(const QUuid &id) = 0;
    virtual QFuture<SessionPage> sessions(const SessionQuery &query) = 0;
    // What each session's replies used. A session it has no figures for is absent (the table
    // then shows "—"): a remote archive answers an empty hash, the REST API has no such route.
    virtual QFuture<QHash<QUuid, SessionUsage>> sessionUsage(const QList<QUuid> &ids) = 0;
    virtual QFuture<SessionSearchPage> searchSessions(const SessionSearchQuery &query) = 0;
    virtual QFuture<QList<Event>> events(const QUuid &sessionId, qint64 afterId, int limit) = 0;
    // `title` is checked already (SessionTitle::fromUser); false: no such session.
    virtual QFuture<bool> renameSession(const QUuid &id, const QString &title) = 0;

    // Where the sessions are kept, for the server panel: "sqlite", "postgresql", "remote".
    virtual QString backendName() const = 0;
    virtual bool isHealthy() const = 0;

Q_SIGNALS:
    void healthChanged(bool healthy, const QString &reason);
};
