#pragma once

#include "core/Config.h"

#include <QFuture>
#include <QList>
#include <QObject>
#include <QUrl>
#include <QUuid>
#include <functional>
#include <optional>

class ConversationFeed;
class LocalModel;
class MetricsRegistry;
class Readiness;
class SessionArchive;
class SummaryScheduler;

// A server as the console drives and shows it: started and stopped, its live sessions and the
// parts the console observes. The app implements it for the server of this process (app/
// Backend), so the console never depends on the server layer; RemoteConsoleServer implements it
// for a `realtime-ai --server` elsewhere, watched through its admin API (start attaches, stop
// detaches). An instance serves once: the console makes a new one from the Config for every
// start.
class ConsoleServer : public QObject {
    Q_OBJECT

public:
    enum class State { Idle, Starting, Running, Stopping, Stopped };
    Q_ENUM(State)

    using Factory = std::function<ConsoleServer *(const Config &config, QObject *parent)>;

    using QObject::QObject;

    virtual void start() = 0;
    virtual void stop() = 0; // graceful; emits stopped()
    virtual State state() const = 0;
    virtual QUrl url() const = 0; // empty before started()
    virtual const Config &config() const = 0;

    // Live sessions (connected, or finishing a turn after their client left).
    virtual QList<QUuid> sessionIds() const = 0;
    virtual ConversationFeed *
    conversation(const QUuid &sessionId) const = 0; // nullptr when not live
    virtual QString sessionUserId(const QUuid &sessionId) const = 0;
    virtual int connectionCount() const = 0;
    // Why the console may not end or rename sessions here, or empty when it may (a remote
    // server allows it only with its admin/allow_remote_control on).
    virtual QString controlRefusal() const = 0;
    // Ends a live session: its client is closed with 1000 "session ended by the operator" and
    // it is summarized (a remote server is asked to; errorOccurred tells when it refused). False
    // when the session is not live, or the console may not end it (controlRefusal).
    virtual bool endSession(const QUuid &sessionId) = 0;
    // Deletes a session and its events unless it is live or this server does not offer it (a
    // remote one: nullopt); false: no such session.
    virtual std::optional<QFuture<bool>> deleteSession(const QUuid &sessionId) = 0;

    virtual SessionArchive *archive() const = 0;     // the stored sessions
    virtual SummaryScheduler *summaries() const = 0; // nullptr: summaries are made elsewhere
    virtual LocalModel *localModel() const = 0;      // nullptr unless the bundled model serves
    virtual const Readiness *readiness() const = 0;
    // What /metrics publishes (the console's charts sample it).
    virtual MetricsRegistry *metrics() const = 0;
    // Which LLM answers: "OpenAI · gpt-4o-mini", "local model · …", "not configured".
    virtual QString llmDescription() const = 0;

Q_SIGNALS:
    void started(const QUrl &url);
    void startFailed(const QString &message);
    void stopped();
    void sessionOpened(const QUuid &sessionId, const QString &userId,
                       ConversationFeed *conversation);
    void sessionClosed(const QUuid &sessionId);
    void connectionCountChanged(int count);
    // Something an operator should see (database lost, summary failed, …); the server goes on.
    void errorOccurred(const QString &message);
};
