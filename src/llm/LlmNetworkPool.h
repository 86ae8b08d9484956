#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>

class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;
class QTimer;

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

    QNetworkReply *post(const QNetworkRequest &request, const QByteArray &body);

    int managerCount() const { return int(m_managers.size()); }
    int openReplies() const; // posted and not finished yet

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
