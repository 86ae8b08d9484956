#include "llm/LlmNetworkPool.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <memory>

namespace {

constexpr int kSweepIntervalMs = 60000;

} // namespace

LlmNetworkPool::LlmNetworkPool(QObject *parent)
    : QObject(parent)
    , m_sweep(new QTimer(this)) {
    m_sweep->setInterval(kSweepIntervalMs);
    connect(m_sweep, &QTimer::timeout, this, &LlmNetworkPool::sweepIdle);
}

QNetworkReply *LlmNetworkPool::post(const QNetworkRequest &request, const QByteArray &body) {
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

int LlmNetworkPool::openReplies() const {
    int open = 0;
    for (const Manager &manager : m_managers)
        open += manager.openReplies;
    return open;
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
