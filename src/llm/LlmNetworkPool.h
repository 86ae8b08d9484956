#pragma once

#include "llm/LlmSettings.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QString>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;
class QUrl;

// The QNetworkAccessManagers that carry LLM requests. A manager holds one host's requests on a
// few connections and queues the rest inside, where the wait would look like a slow connect:
// Qt 6.4 opens at most six HTTP/1.1 connections per host and manager, and over HTTP/2 one
// connection with up to 100 streams (Qt's cap until the server's SETTINGS say otherwise; RFC
// 9113 recommends servers allow at least 100). So every request is posted to a manager with
// room for the protocol it speaks, which each reply tells (Http2WasUsedAttribute) and the pool
// remembers for the endpoint: until one has, an https endpoint counts as HTTP/1.1 (unless
// llm/http is 2). The pool grows with demand (each manager brings its own HTTP thread);
// managers left idle for a minute are let go, all but one. Main thread only.
class LlmNetworkPool : public QObject {
    Q_OBJECT

public:
    static constexpr int kRepliesPerHttp1Manager = 6;   // Qt's HTTP/1.1 connections per host
    static constexpr int kRepliesPerHttp2Manager = 100; // streams on Qt's one HTTP/2 connection

    enum class Protocol { Unknown, Http1, Http2 };

    explicit LlmNetworkPool(QObject *parent = nullptr);

    // POST {url} with a JSON body, asking for an event stream, with the HTTP version, CA file
    // and API key (a bearer token, when set) of `settings`. The reply belongs to the pool: hand
    // it back with retire().
    QNetworkReply *postJson(const LlmSettings &settings, const QUrl &url, const QByteArray &body);
    // Done with a reply. A reply that is still open after the end of its stream may finish on
    // its own, so its keep-alive connection is reused (aborted if the server holds it open);
    // otherwise it is aborted at once.
    enum class Retire { LetFinish, Abort };
    void retire(QNetworkReply *reply, Retire how);

    // What the endpoint's replies said they used (Unknown before the first answer).
    Protocol endpointProtocol() const { return m_endpointProtocol; }
    qsizetype managerCount() const { return m_managers.size(); }

private:
    struct Manager {
        QNetworkAccessManager *network = nullptr;
        int openReplies = 0;
        bool usedSinceSweep = true;
        Protocol protocol = Protocol::Unknown;
    };

    Manager &managerWithRoom(LlmHttpVersion http);
    int capacity(const Manager &manager, LlmHttpVersion http) const;
    void noteEndpoint(const LlmSettings &settings, const QUrl &url);
    void learnProtocol(QNetworkAccessManager *network, QNetworkReply *reply);
    void replyClosed(QNetworkAccessManager *network);
    void sweepIdle();

    QList<Manager> m_managers;
    QTimer *m_sweep;
    QString m_origin; // scheme://host:port the learned protocol is of
    Protocol m_endpointProtocol = Protocol::Unknown;
    QString m_caFile;
    QSslConfiguration m_tls;
};
