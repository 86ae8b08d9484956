#include "core/LogCapture.h"

#include "core/LogBuffer.h"

#include <QDateTime>
#include <QMutex>
#include <QMutexLocker>
#include <atomic>

namespace {

QMutex g_mutex; // guards g_buffer against a buffer being swapped or destroyed meanwhile
LogBuffer *g_buffer = nullptr;
// Set just after qInstallMessageHandler returns it, while other threads may already log.
std::atomic<QtMessageHandler> g_previous = nullptr;
bool g_installed = false;
thread_local bool t_inHandler = false; // a message logged while one is being handled

void handle(QtMsgType type, const QMessageLogContext &context, const QString &message) {
    if (const QtMessageHandler previous = g_previous.load())
        previous(type, context, message);
    if (t_inHandler)
        return;
    t_inHandler = true;
    {
        const QMutexLocker lock(&g_mutex);
        if (g_buffer)
            g_buffer->append(LogLine{
                QDateTime::currentDateTimeUtc(), type,
                QString::fromUtf8(context.category ? context.category : "default"), message});
    }
    t_inHandler = false;
}

} // namespace

namespace LogCapture {

void install(LogBuffer *buffer) {
    const QMutexLocker lock(&g_mutex);
    g_buffer = buffer;
    if (!g_installed) {
        g_installed = true;
        g_previous = qInstallMessageHandler(handle);
    }
}

void uninstall() {
    const QMutexLocker lock(&g_mutex);
    g_buffer = nullptr;
}

} // namespace LogCapture
