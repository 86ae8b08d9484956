#include "llm/LlmNetworkPool.h"

#include <QCoreApplication>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <memory>

namespace {

constexpr int kSweepIntervalMs = 60000;
constexpr int kLingerAfterStreamMs = 5000;

} // namespace

LlmNetworkPool::LlmNetworkPool(QObject *parent)
    : QObject(parent)
    , m_sweep(new QTimer(this)) {
    m_sweep->setInterval(kSweepIntervalMs);
    connect(m_sweep, &QTimer::timeout, this, &LlmNetworkPool::sweepIdle);
}

QNetworkReply *LlmNetworkPool::postJson(const QUrl &url, const QString &apiKey,
                                        const QByteArray &body) {
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Accept", "text/event-stream");
    request.setHeader(QNetworkRequest::UserAgentHeader,
                      QByteArray(QByteArrayLiteral("realtime-ai/") +
                                 QCoreApplication::applicationVersion().toUtf8()));
    if (!apiKey.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + apiKey.toUtf8());
    // HTTP/1.1 for every server: long-lived SSE responses over Qt 6.4's HTTP/2 add nothing and
    // are less proven; each stream costs one pooled keep-alive connection.
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);

    Manager &manager = managerWithRoom();
    ++manager.openReplies;
    manager.usedSinceSweep = true;
    QNetworkAccessManager *network = manager.network;
    QNetworkReply *reply = network->post(request, body);
    // A reply frees its connection when it finishes; an aborted or deleted one counts too.
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

LlmNetworkPool::Manager &LlmNetworkPool::managerWithRoom() {
    for (Manager &manager : m_managers)
        if (manager.openReplies < kRepliesPerManager)
            return manager;
    m_managers.append({new QNetworkAccessManager(this), 0, true});
    return m_managers.last();
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
