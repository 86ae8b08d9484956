#include "server/NetworkThread.h"

#include "chat/SessionService.h"
#include "server/SessionManager.h"

using namespace Qt::StringLiterals;

NetworkThread::NetworkThread(int index, const Factory &make)
    : m_index(index)
    , m_home(new QObject) {
    m_parts = make(m_home);
    m_thread.setObjectName(u"network-%1"_s.arg(index));
    m_home->moveToThread(&m_thread);
    m_thread.start();
}

NetworkThread::~NetworkThread() {
    QObject *home = m_home;
    const Parts parts = m_parts;
    QMetaObject::invokeMethod(
        home,
        [home, parts] {
            delete parts.connections; // sockets and sessions before what they use
            delete parts.sessions;
            delete home;
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void NetworkThread::post(std::function<void(const Parts &)> job) const {
    QMetaObject::invokeMethod(
        m_home, [job = std::move(job), parts = m_parts] { job(parts); }, Qt::QueuedConnection);
}
