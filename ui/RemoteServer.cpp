#include "ui/RemoteServer.h"

#include "core/Ids.h"
#include "core/Logging.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace {

constexpr int kRequestTimeoutMs = 10000;

QNetworkRequest withToken(QNetworkRequest request, const QString &token) {
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    return request;
}

} // namespace

RemoteServer::RemoteServer(QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this)) {
    m_statusTimer.setInterval(kStatusIntervalMs);
    connect(&m_statusTimer, &QTimer::timeout, this, [this] { requestStatus(false); });
}

RemoteServer::~RemoteServer() {
    if (m_feed)
        m_feed->disconnect(this);
}

QString RemoteServer::checkUrl(const QUrl &url) {
    if (!url.isValid() || url.host().isEmpty())
        return tr("Enter the server's address, such as http://server.example.com:18080");
    if (url.scheme() != u"http" && url.scheme() != u"https")
        return tr("The address must start with http:// or https://, not %1://").arg(url.scheme());
    return {};
}

void RemoteServer::attach(const QUrl &url, const QString &token) {
    detach();
    m_url = url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment);
    m_token = token;
    m_error.clear();
    if (const QString problem = checkUrl(m_url); !problem.isEmpty()) {
        fail(problem);
        return;
    }
    setState(State::Connecting);
    requestStatus(true);
}

void RemoteServer::detach() {
    m_statusTimer.stop();
    if (m_feed) {
        m_feed->disconnect(this);
        m_feed->close();
        m_feed->deleteLater();
        m_feed = nullptr;
    }
    const QList<QUuid> ids = m_live.keys();
    m_live.clear();
    for (const QUuid &id : ids)
        Q_EMIT sessionClosed(id);
    if (m_state != State::Failed)
        setState(State::Idle);
}

void RemoteServer::requestStatus(bool first) {
    QNetworkRequest request(m_url.resolved(QUrl(u"/api/admin/status"_s)));
    request.setTransferTimeout(kRequestTimeoutMs);
    QNetworkReply *reply = m_network->get(withToken(request, m_token));
    connect(reply, &QNetworkReply::finished, this, [this, reply, first] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
        if (status != 200) {
            if (!first)
                return; // the feed tells when the server is gone
            const QString message =
                body.value(u"error"_s).toObject().value(u"message"_s).toString();
            if (status == 401)
                fail(tr("The server refused the token (401): %1").arg(message));
            else if (status == 403)
                fail(tr("The token is not the server's admin credential (403): %1").arg(message));
            else if (status == 0)
                fail(tr("Cannot reach %1: %2").arg(m_url.toString(), reply->errorString()));
            else
                fail(tr("%1 answered HTTP %2; is it a realtime-ai server of this version?")
                         .arg(m_url.toString())
                         .arg(status));
            return;
        }
        m_status = body;
        Q_EMIT statusChanged(m_status);
        if (first)
            openFeed();
    });
}

void RemoteServer::endSession(const QUuid &sessionId) {
    QNetworkRequest request(
        m_url.resolved(QUrl(u"/api/admin/sessions/%1/end"_s.arg(Ids::toText(sessionId)))));
    request.setTransferTimeout(kRequestTimeoutMs);
    QNetworkReply *reply = m_network->post(withToken(request, m_token), QByteArray());
    connect(reply, &QNetworkReply::finished, this, [this, reply, sessionId] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 200) {
            Q_EMIT endAnswered(sessionId, {});
            return;
        }
        const QString message = QJsonDocument::fromJson(reply->readAll())
                                    .object()
                                    .value(u"error"_s)
                                    .toObject()
                                    .value(u"message"_s)
                                    .toString();
        Q_EMIT endAnswered(sessionId, status == 0 ? reply->errorString()
                                                  : tr("HTTP %1: %2").arg(status).arg(message));
    });
}

void RemoteServer::openFeed() {
    QUrl feedUrl = m_url.resolved(QUrl(u"/api/admin/events"_s));
    feedUrl.setScheme(m_url.scheme() == u"https" ? u"wss"_s : u"ws"_s);
    m_feed = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    connect(m_feed, &QWebSocket::textMessageReceived, this, &RemoteServer::onFrame);
    connect(m_feed, &QWebSocket::disconnected, this, [this] {
        const QString reason = m_feed->closeReason();
        const int code = int(m_feed->closeCode());
        fail(reason.isEmpty() ? tr("The connection to %1 was lost (%2).")
                                    .arg(m_url.toString(), m_feed->errorString())
                              : tr("The server closed the feed (%1): %2").arg(code).arg(reason));
    });
    m_feed->open(withToken(QNetworkRequest(feedUrl), m_token));
}

void RemoteServer::onFrame(const QString &text) {
    const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = frame.value(u"type"_s).toString();
    const QUuid id = Ids::parseSessionId(frame.value(u"session_id"_s).toString());
    if (type == u"hello") {
        for (const QJsonValue &session : frame.value(u"sessions"_s).toArray()) {
            const QJsonObject entry = session.toObject();
            const QUuid live = Ids::parseSessionId(entry.value(u"session_id"_s).toString());
            if (live.isNull())
                continue;
            m_live.insert(live, entry.value(u"user_id"_s).toString());
            Q_EMIT sessionOpened(live, entry.value(u"user_id"_s).toString());
        }
        m_statusTimer.start();
        setState(State::Attached);
        return;
    }
    if (id.isNull())
        return; // a frame of a later version
    if (type == u"session_opened") {
        const QString user = frame.value(u"user_id"_s).toString();
        m_live.insert(id, user);
        Q_EMIT sessionOpened(id, user);
    } else if (type == u"session_closed") {
        m_live.remove(id);
        m_turnErrors.remove(id);
        Q_EMIT sessionClosed(id);
    } else if (type == u"turn_started") {
        Q_EMIT turnStarted(id, frame.value(u"text"_s).toString());
    } else if (type == u"content") {
        Q_EMIT contentReceived(id, frame.value(u"value"_s).toString());
    } else if (type == u"tool_end") {
        Q_EMIT toolCalled(id, frame.value(u"tool"_s).toString(), frame.value(u"ok"_s).toBool());
    } else if (type == u"error") {
        m_turnErrors.insert(id, frame.value(u"message"_s).toString());
    } else if (type == u"done") {
        Q_EMIT turnFinished(id, frame.value(u"finish_reason"_s).toString(), m_turnErrors.take(id));
    }
}

void RemoteServer::fail(const QString &error) {
    qCWarning(lcUi).noquote() << "remote server" << m_url.toString() << ":" << error;
    m_error = error;
    m_statusTimer.stop();
    if (m_feed) {
        m_feed->disconnect(this);
        m_feed->deleteLater();
        m_feed = nullptr;
    }
    // What was live is not known any more.
    const QList<QUuid> ids = m_live.keys();
    m_live.clear();
    m_turnErrors.clear();
    for (const QUuid &id : ids)
        Q_EMIT sessionClosed(id);
    setState(State::Failed);
}

void RemoteServer::setState(State state) {
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}
