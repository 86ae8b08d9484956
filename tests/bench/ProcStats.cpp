#include "ProcStats.h"

#include <QDir>
#include <QFile>
#include <QList>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace ProcStats {
namespace {

// The fields of /proc/PID/stat after "pid (comm) ": state is field 0, ppid 1, utime and stime
// 11 and 12, cutime and cstime (waited-for children) 13 and 14.
QList<QByteArray> statFields(qint64 pid) {
    const QByteArray stat = file(pid, "stat");
    return stat.mid(stat.lastIndexOf(')') + 2).split(' ');
}

double ticksToMs(double ticks) {
    return ticks * 1000.0 / double(::sysconf(_SC_CLK_TCK));
}

double ownAndWaitedMs(const QList<QByteArray> &fields) {
    if (fields.size() < 15)
        return 0;
    return ticksToMs(fields.at(11).toDouble() + fields.at(12).toDouble() +
                     fields.at(13).toDouble() + fields.at(14).toDouble());
}

} // namespace

QByteArray file(qint64 pid, const char *name) {
    QFile file(pid > 0 ? u"/proc/%1/%2"_s.arg(pid).arg(QLatin1String(name))
                       : u"/proc/self/%1"_s.arg(QLatin1String(name)));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

qint64 statusKiB(qint64 pid, const char *field) {
    for (const QByteArray &line : file(pid, "status").split('\n'))
        if (line.startsWith(field))
            return line.mid(int(qstrlen(field))).trimmed().split(' ').first().toLongLong();
    return -1;
}

double cpuMs(qint64 pid) {
    const QList<QByteArray> fields = statFields(pid);
    if (fields.size() < 13)
        return 0;
    return ticksToMs(fields.at(11).toDouble() + fields.at(12).toDouble());
}

double treeCpuMs(qint64 pid) {
    if (pid <= 0)
        return 0;
    double ms = ownAndWaitedMs(statFields(pid));
    const QByteArray parent = QByteArray::number(pid);
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 child = entry.toLongLong(&numeric);
        if (!numeric || child == pid)
            continue;
        const QList<QByteArray> fields = statFields(child);
        if (fields.size() > 1 && fields.at(1) == parent)
            ms += ownAndWaitedMs(fields);
    }
    return ms;
}

double machineBusyMs() {
    QFile stat(u"/proc/stat"_s);
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    // "cpu  user nice system idle iowait irq softirq steal …", in clock ticks.
    const QList<QByteArray> fields = stat.readLine().simplified().split(' ');
    if (fields.size() < 9)
        return 0;
    double busy = 0;
    for (int i : {1, 2, 3, 6, 7, 8})
        busy += fields.at(i).toDouble();
    return ticksToMs(busy);
}

} // namespace ProcStats
