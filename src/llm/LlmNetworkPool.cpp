#include "llm/LlmNetworkPool.h"

#include "llm/LlmTlsTrust.h"

#include <QCoreApplication>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

constexpr int kSweepIntervalMs = 60000;
constexpr int kLingerAfterStreamMs = 5000;

} // namespace

LlmNetworkPool::LlmNetworkPool(QObject *parent)
    : QObject(parent)
    , m_sweep(new QTimer(this))
    , m_tls(LlmTlsTrust::configuration({})) {
    m_sweep->setInterval(kSweepIntervalMs);
    connect(m_sweep, &QTimer::timeout, this, &LlmNetworkPool::sweepIdle);
}

QNetworkReply *LlmNetworkPool::postJson(const LlmSettings &settings, const QUrl &url,
                                        const QByteArray &body) {
    noteEndpoint(settings, url);
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Accept", "text/event-stream");
    request.setHeader(QNetworkRequest::UserAgentHeader,
                      QByteArray(QByteArrayLiteral("realtime-ai/") +
                                 QCoreApplication::applicationVersion().toUtf8()));
    if (!settings.apiKey.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + settings.apiKey.toUtf8());
    // Qt 6.4 offers h2 in ALPN over TLS by default and speaks HTTP/1.1 over plain http.
    switch (settings.http) {
    case LlmHttpVersion::Auto:
        request.setAttribute(QNetworkRequest::Http2AllowedAttribute, true);
        break;
    case LlmHttpVersion::Http1:
        request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
        break;
    case LlmHttpVersion::Http2:
        request.setAttribute(QNetworkRequest::Http2AllowedAttribute, true);
        request.setAttribute(QNetworkRequest::Http2DirectAttribute, true);
        request.setAttribute(QNetworkRequest::Http2CleartextAllowedAttribute, true);
        break;
    }
    if (url.scheme() == u"https")
        request.setSslConfiguration(m_tls);

    Manager &manager = managerWithRoom(settings.http);
    ++manager.openReplies;
    manager.usedSinceSweep = true;
    QNetworkAccessManager *network = manager.network;
    QNetworkReply *reply = network->post(request, body);
    connect(reply, &QNetworkReply::metaDataChanged, this,
            [this, network, reply] { learnProtocol(network, reply); });
    // A reply frees its room when it finishes; an aborted or deleted one counts too.
    auto closed = std::make_shared<bool>(false);
    const auto close = [this, network, closed] {
        if (*closed)
            return;
        *closed = true;
        replyClosed(network);
    };
    connect(reply, &QNetworkReply::finished, this, close);
    connect(reply, &QObject::destroyed, this, close);
    if (!m_sweep->isActive())
        m_sweep->start();
    return reply;
}

void LlmNetworkPool::retire(QNetworkReply *reply, Retire how) {
    if (reply->isFinished()) {
        reply->deleteLater();
    } else if (how == Retire::LetFinish) {
        connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
        QTimer::singleShot(kLingerAfterStreamMs, reply, &QNetworkReply::abort);
    } else {
        reply->abort();
        reply->deleteLater();
    }
}

int LlmNetworkPool::capacity(const Manager &manager, LlmHttpVersion http) const {
    if (http == LlmHttpVersion::Http1)
        return kRepliesPerHttp1Manager;
    Protocol protocol = manager.protocol;
    if (protocol == Protocol::Unknown)
        protocol = http == LlmHttpVersion::Http2 ? Protocol::Http2 : m_endpointProtocol;
    return protocol == Protocol::Http2 ? kRepliesPerHttp2Manager : kRepliesPerHttp1Manager;
}

LlmNetworkPool::Manager &LlmNetworkPool::managerWithRoom(LlmHttpVersion http) {
    for (Manager &manager : m_managers)
        if (manager.openReplies < capacity(manager, http))
            return manager;
    m_managers.append({new QNetworkAccessManager(this), 0, true, Protocol::Unknown});
    return m_managers.last();
}

// Another endpoint (or other settings for it): what was learned no longer holds.
void LlmNetworkPool::noteEndpoint(const LlmSettings &settings, const QUrl &url) {
    const QString origin = url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery |
                                        QUrl::RemoveFragment | QUrl::RemoveUserInfo)
                               .toString() +
                           u' ' + QString::number(int(settings.http));
    if (origin != m_origin) {
        m_origin = origin;
        m_endpointProtocol = Protocol::Unknown;
        for (Manager &manager : m_managers)
            manager.protocol = Protocol::Unknown;
    }
    if (settings.caFile != m_caFile) {
        m_caFile = settings.caFile;
        m_tls = LlmTlsTrust::configuration(m_caFile);
    }
}

void LlmNetworkPool::learnProtocol(QNetworkAccessManager *network, QNetworkReply *reply) {
    if (!reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid())
        return;
    const Protocol protocol = reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool()
                                  ? Protocol::Http2
                                  : Protocol::Http1;
    m_endpointProtocol = protocol;
    for (Manager &manager : m_managers) {
        if (manager.network == network) {
            manager.protocol = protocol;
            return;
        }
    }
}

void LlmNetworkPool::replyClosed(QNetworkAccessManager *network) {
    for (Manager &manager : m_managers) {
        if (manager.network == network) {
            --manager.openReplies;
            return;
        }
    }
}

void LlmNetworkPool::sweepIdle() {
    for (qsizetype i = m_managers.size() - 1; i >= 1; --i) {
        Manager &manager = m_managers[i];
        if (manager.openReplies == 0 && !manager.usedSinceSweep) {
            manager.network->deleteLater();
            m_managers.removeAt(i);
        }
    }
    for (Manager &manager : m_managers)
        manager.usedSinceSweep = false;
}
