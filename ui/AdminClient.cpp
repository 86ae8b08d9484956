#include "ui/AdminClient.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPromise>
#include <memory>

using namespace Qt::StringLiterals;

AdminClient::AdminClient(const QUrl &url, const QString &token, QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
    , m_url(url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment))
    , m_token(token) {}

QString AdminClient::checkUrl(const QUrl &url) {
    if (!url.isValid() || url.host().isEmpty())
        return tr("Enter the server's address, such as http://server.example.com:18080");
    if (url.scheme() != u"http" && url.scheme() != u"https")
        return tr("The address must start with http:// or https://, not %1://").arg(url.scheme());
    return {};
}

QNetworkRequest AdminClient::request(const QString &path, const QUrlQuery &query) const {
    QUrl target = m_url.resolved(QUrl(path));
    target.setQuery(query);
    QNetworkRequest request(target);
    request.setTransferTimeout(kRequestTimeoutMs);
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    return request;
}

QNetworkRequest AdminClient::feedRequest() const {
    QNetworkRequest feed = request(u"/api/admin/events"_s);
    QUrl url = feed.url();
    url.setScheme(m_url.scheme() == u"https" ? u"wss"_s : u"ws"_s);
    feed.setUrl(url);
    return feed;
}

QFuture<AdminClient::Reply> AdminClient::get(const QString &path, const QUrlQuery &query) {
    return answer(m_network->get(request(path, query)));
}

QFuture<AdminClient::Reply> AdminClient::post(const QString &path) {
    return answer(m_network->post(request(path), QByteArray()));
}

QFuture<AdminClient::Reply> AdminClient::patch(const QString &path, const QJsonObject &body) {
    QNetworkRequest patch = request(path);
    patch.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    return answer(m_network->sendCustomRequest(patch, "PATCH",
                                               QJsonDocument(body).toJson(QJsonDocument::Compact)));
}

QFuture<AdminClient::Reply> AdminClient::answer(QNetworkReply *reply) {
    auto promise = std::make_shared<QPromise<Reply>>();
    promise->start();
    connect(reply, &QNetworkReply::finished, this, [this, reply, promise] {
        reply->deleteLater();
        Reply answer;
        answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        answer.body = QJsonDocument::fromJson(reply->readAll()).object();
        const QString message =
            answer.body.value(u"error"_s).toObject().value(u"message"_s).toString();
        if (answer.status == 0)
            answer.error = tr("Cannot reach %1: %2").arg(m_url.toString(), reply->errorString());
        else if (answer.status == 401)
            answer.error = tr("The server refused the token (401): %1").arg(message);
        else if (answer.status == 403)
            answer.error = tr("The server refused (403): %1").arg(message);
        else if (answer.status < 200 || answer.status > 299)
            answer.error = message.isEmpty()
                               ? tr("%1 answered HTTP %2; is it a realtime-ai server of this "
                                    "version?")
                                     .arg(m_url.toString())
                                     .arg(answer.status)
                               : tr("HTTP %1: %2").arg(answer.status).arg(message);
        promise->addResult(answer);
        promise->finish();
    });
    return promise->future();
}
