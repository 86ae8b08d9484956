#pragma once

#include "ui/ConsoleServer.h"

#include <QJsonObject>
#include <QTimer>

class AdminClient;
class AdminFeedReader;
class QWebSocket;
class RemoteSessionArchive;

// A `realtime-ai --server` elsewhere as the console shows it, through its admin API (PROTOCOL.md,
// Admin API) with the admin credential: start() attaches (GET /api/admin/status, then the event
// feed /api/admin/events; started() once its `hello` came), stop() detaches; the server itself
// runs on. Its live sessions and their turns come from the feed (AdminFeedReader); the status,
// asked again every kStatusIntervalMs, updates the connection count, the readiness, the database
// health and the metrics the charts sample. Its stored sessions are read through the REST API
// (RemoteSessionArchive). Read-only unless the status says remote_control: then endSession()
// asks POST /api/admin/sessions/{id}/end. Nothing is deleted remotely; summaries and the local
// model are the remote process's own (nullptr here). Losing the feed stops it (errorOccurred
// says why, then stopped()).
class RemoteConsoleServer : public ConsoleServer {
    Q_OBJECT

public:
    static constexpr int kStatusIntervalMs = 2000;

    // `config` is the console's own (prices, the window's settings); `url` and `token` are the
    // remote server's address and admin credential.
    RemoteConsoleServer(const Config &config, const QUrl &url, const QString &token,
                        QObject *parent = nullptr);
    ~RemoteConsoleServer() override;

    // A factory for MainWindow that attaches to `url` with `token`.
    static Factory factory(const QUrl &url, const QString &token);

    void start() override;
    void stop() override;
    State state() const override { return m_state; }
    QUrl url() const override;
    const Config &config() const override { return m_config; }

    QList<QUuid> sessionIds() const override;
    ConversationFeed *conversation(const QUuid &sessionId) const override;
    QString sessionUserId(const QUuid &sessionId) const override;
    int connectionCount() const override { return m_connections; }
    QString controlRefusal() const override;
    bool endSession(const QUuid &sessionId) override;
    std::optional<QFuture<bool>> deleteSession(const QUuid &sessionId) override;

    SessionArchive *archive() const override;
    SummaryScheduler *summaries() const override { return nullptr; }
    LocalModel *localModel() const override { return nullptr; }
    const Readiness *readiness() const override { return m_readiness; }
    MetricsRegistry *metrics() const override { return m_metrics; }
    QString llmDescription() const override;

    QJsonObject status() const { return m_status; } // the last status answer

private:
    void requestStatus();
    void applyStatus(const QJsonObject &status);
    void applyMetrics(const QJsonObject &metrics);
    void applyReadiness(const QJsonObject &status);
    void openFeed();
    void onFeedLost();
    void closeFeed();

    Config m_config;
    AdminClient *m_client;
    RemoteSessionArchive *m_archive;
    AdminFeedReader *m_reader;
    Readiness *m_readiness;
    MetricsRegistry *m_metrics;
    QWebSocket *m_feed = nullptr;
    QTimer m_statusTimer;
    State m_state = State::Idle;
    QJsonObject m_status;
    int m_connections = 0;
};
