#pragma once

#include <QByteArray>
#include <QtGlobal>

// What /proc says about a process (pid 0: this one): memory and CPU time, for the benchmarks.
namespace ProcStats {

QByteArray file(qint64 pid, const char *name);
// A "Vm…:" field of /proc/PID/status in KiB, e.g. statusKiB(pid, "VmRSS:"); -1 when absent.
qint64 statusKiB(qint64 pid, const char *field);
// User + system CPU time of a process, in milliseconds; 0 when it is gone.
double cpuMs(qint64 pid);
// The same for a process and its children: the live ones, and those it waited for (the
// backends of a PostgreSQL postmaster).
double treeCpuMs(qint64 pid);
// CPU time the whole machine spent busy (not idle or waiting for I/O), all cores summed, in
// milliseconds since boot.
double machineBusyMs();

} // namespace ProcStats
