#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;
class QUrl;

// The QNetworkAccessManagers that carry LLM requests. Qt 6.4 opens at most six HTTP/1.1
// connections per host and manager and queues any further request inside the manager, where
// the wait would look like a slow connect. So every request is posted to a manager with fewer
// than six replies open, and the pool grows with demand (each manager brings its own HTTP
// thread); managers left idle for a minute are let go, all but one. Main thread only.
class LlmNetworkPool : public QObject {
    Q_OBJECT

public:
    static constexpr int kRepliesPerManager = 6; // Qt's HTTP/1.1 connections per host

    explicit LlmNetworkPool(QObject *parent = nullptr);

    // POST {url} with a JSON body, asking for an event stream; `apiKey` as a bearer token when
    // set. The reply belongs to the pool: hand it back with retire().
    QNetworkReply *postJson(const QUrl &url, const QString &apiKey, const QByteArray &body);
    // Done with a reply. A reply that is still open after the end of its stream may finish on
    // its own, so its keep-alive connection is reused (aborted if the server holds it open);
    // otherwise it is aborted at once.
    enum class Retire { LetFinish, Abort };
    void retire(QNetworkReply *reply, Retire how);

private:
    struct Manager {
        QNetworkAccessManager *network = nullptr;
        int openReplies = 0;
        bool usedSinceSweep = true;
    };

    Manager &managerWithRoom();
    void replyClosed(QNetworkAccessManager *network);
    void sweepIdle();

    QList<Manager> m_managers;
    QTimer *m_sweep;
};
