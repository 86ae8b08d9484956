#pragma once

#include "server/ClientIdentity.h"
#include "server/HttpReply.h"

#include <QHttpServerRequest>
#include <QObject>
#include <QTcpSocket>
#include <functional>

class AdminFeed;
class Database;
class MetricsRegistry;
class Readiness;
class SessionRouter;

// The admin REST routes of PROTOCOL.md under /api/admin: what a remote console shows (status:
// connections, live sessions, the LLM, readiness, the charts' figures) for the admin credential,
// and the writing actions (ending a live session), which also need `allowRemoteControl`
// (admin/allow_remote_control, off by default). With no authentication configured the status is
// open, as /metrics is; the writing actions never are.
class AdminApi : public QObject {
    Q_OBJECT

public:
    using Send = std::function<void(QTcpSocket *socket, const HttpReply &reply)>;
    struct Settings {
        bool allowRemoteControl = false;
        std::function<QString()> llmDescription; // empty: "unknown"
    };

    AdminApi(Database *database, MetricsRegistry *metrics, SessionRouter *sessions,
             const Readiness *readiness, const AdminFeed *feed, Send send,
             QObject *parent = nullptr);

    void setSettings(const Settings &settings) { m_settings = settings; }
    const Settings &settings() const { return m_settings; }

    // Whether `path` is one of these routes' (so /api/sessions stays SessionsApi's).
    static bool owns(const QString &path);
    void handle(const QHttpServerRequest &request, QTcpSocket *socket, const ClientIdentity &who);

    // Why `who` may not read the admin API (403), or empty.
    static QString readRefusal(const ClientIdentity &who);

private:
    HttpReply status() const;
    HttpReply endSession(const QString &sessionText, const ClientIdentity &who);

    Database *m_database;
    MetricsRegistry *m_metrics;
    SessionRouter *m_sessions;
    const Readiness *m_readiness;
    const AdminFeed *m_feed;
    Send m_send;
    Settings m_settings;
};
