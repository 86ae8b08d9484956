#pragma once

#include "core/Event.h"
#include "core/Session.h"
#include "storage/SessionPage.h"
#include "storage/SessionQuery.h"
#include "storage/WriteOp.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <optional>

class SqlDialect;

// The statements behind Database's operations, run on the database thread against an open
// connection. Every method throws SqlFailure when a statement fails; transactions are the
// caller's business.
class SessionStore {
public:
    SessionStore(const QSqlDatabase &db, const SqlDialect &dialect);

    void apply(const WriteOp &op);
    // The same as apply() on each, with consecutive events inserted by one statement.
    void applyAll(const QList<WriteOp> &ops);
    bool deleteSession(const QUuid &id);
    QList<QUuid> endAbandonedSessions();

    std::optional<Session> session(const QUuid &id);
    SessionPage sessions(const SessionQuery &query);
    QList<Event> events(const QUuid &sessionId, qint64 afterId, int limit);
    QList<Session> sessionsNeedingSummary(int maxAttempts);

private:
    QSqlQuery run(const QString &sql, const QVariantList &values, const QString &what);
    void insertEvents(const QList<const Event *> &events);
    QString sessionColumns() const;
    static Session readSession(const QSqlQuery &query);

    QSqlDatabase m_db;
    const SqlDialect &m_dialect;
};
