#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>
#include <QUuid>

class QNetworkAccessManager;
class QWebSocket;

// A headless `realtime-ai --server` elsewhere, as the console watches it through its admin API
// (PROTOCOL.md, Admin API): the status (GET /api/admin/status, every kStatusIntervalMs while
// attached) and the event feed (/api/admin/events), whose frames it turns into signals per
// session. It ends a session only when asked to and the server allows remote control
// (admin/allow_remote_control); it never deletes anything. Nothing here blocks.
class RemoteServer : public QObject {
    Q_OBJECT

public:
    enum class State { Idle, Connecting, Attached, Failed };
    Q_ENUM(State)
    static constexpr int kStatusIntervalMs = 5000;

    explicit RemoteServer(QObject *parent = nullptr);
    ~RemoteServer() override;

    // What is wrong with `url` as a server's address (http or https, a host), or empty.
    static QString checkUrl(const QUrl &url);
    // Attaches to the server at `url` with the admin token (empty: none); stateChanged follows.
    void attach(const QUrl &url, const QString &token);
    void detach();

    State state() const { return m_state; }
    QString error() const { return m_error; } // why it failed, for the operator
    QUrl url() const { return m_url; }
    QJsonObject status() const { return m_status; } // the last status answer
    QList<QUuid> sessionIds() const { return m_live.keys(); }
    QString userId(const QUuid &sessionId) const { return m_live.value(sessionId); }
    // The server lets its admin end sessions (its last status says so).
    bool remoteControl() const { return m_status.value(QStringLiteral("remote_control")).toBool(); }
    // POST /api/admin/sessions/{id}/end; endAnswered follows.
    void endSession(const QUuid &sessionId);

Q_SIGNALS:
    void stateChanged(RemoteServer::State state);
    void statusChanged(const QJsonObject &status);
    void sessionOpened(const QUuid &sessionId, const QString &userId);
    void sessionClosed(const QUuid &sessionId);
    void turnStarted(const QUuid &sessionId, const QString &userText);
    void contentReceived(const QUuid &sessionId, const QString &text);
    void toolCalled(const QUuid &sessionId, const QString &tool, bool ok);
    void turnFinished(const QUuid &sessionId, const QString &finishReason,
                      const QString &errorMessage);
    // The answer to endSession: an empty error when the session was ended.
    void endAnswered(const QUuid &sessionId, const QString &error);

private:
    void requestStatus(bool first);
    void openFeed();
    void onFrame(const QString &text);
    void fail(const QString &error);
    void setState(State state);

    QNetworkAccessManager *m_network;
    QWebSocket *m_feed = nullptr;
    QTimer m_statusTimer;
    QUrl m_url;
    QString m_token;
    State m_state = State::Idle;
    QString m_error;
    QJsonObject m_status;
    QHash<QUuid, QString> m_live;
    QHash<QUuid, QString> m_turnErrors; // an error frame, until its done
};
