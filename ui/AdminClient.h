#pragma once

#include <QFuture>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QObject>
#include <QString>
#include <QUrl>
#include <QUrlQuery>

class QNetworkAccessManager;
class QNetworkReply;

// The REST API of a `realtime-ai --server` elsewhere, asked with its admin credential as a
// bearer token (PROTOCOL.md, REST and Admin API): each request answers the HTTP status and the
// JSON body, and for a failure the words to show the operator. Nothing here blocks; a request
// still open when the client is destroyed is cancelled.
class AdminClient : public QObject {
    Q_OBJECT

public:
    struct Reply {
        int status = 0;   // the HTTP status; 0: no answer (the error says why)
        QJsonObject body; // the answer's JSON object (empty when it was none)
        QString error;    // empty for a 2xx answer
        bool ok() const { return error.isEmpty(); }
    };

    static constexpr int kRequestTimeoutMs = 10000;

    // `url`: the server's address (its path, query and fragment are dropped); `token`: the
    // admin credential (empty: none).
    AdminClient(const QUrl &url, const QString &token, QObject *parent = nullptr);

    // What is wrong with `url` as a server's address (http or https, a host), or empty.
    static QString checkUrl(const QUrl &url);

    QUrl url() const { return m_url; }
    QString token() const { return m_token; }
    // The event feed's address (ws or wss) with the credential in its request.
    QNetworkRequest feedRequest() const;

    QFuture<Reply> get(const QString &path, const QUrlQuery &query = {});
    QFuture<Reply> post(const QString &path);
    QFuture<Reply> patch(const QString &path, const QJsonObject &body);

private:
    QNetworkRequest request(const QString &path, const QUrlQuery &query = {}) const;
    QFuture<Reply> answer(QNetworkReply *reply);

    QNetworkAccessManager *m_network;
    QUrl m_url;
    QString m_token;
};
