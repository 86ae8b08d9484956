// Events appended per second, from the first appendEvent() to the flush() that commits the last
// one, on SQLite (a file) and PostgreSQL (a throwaway local cluster, directly and through
// pgbouncer in transaction mode). Prints one line per backend.
#include "core/Ids.h"
#include "fixtures/FutureWait.h"
#include "fixtures/PgBouncer.h"
#include "fixtures/PostgresCluster.h"
#include "storage/Database.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

constexpr int kSessions = 20;
constexpr int kEventsPerSession = 1000;

bool bench(const QString &label, const QString &url) {
    Database db;
    const QFuture<void> opened = db.open(url);
    if (!FutureWait::wait(opened) || !FutureWait::errorOf(opened).isEmpty()) {
        std::fprintf(stderr, "%s: cannot open: %s\n", qPrintable(label),
                     qPrintable(FutureWait::errorOf(opened)));
        return false;
    }
    QList<QUuid> ids;
    for (int s = 0; s < kSessions; ++s) {
        ids << Ids::newSessionId();
        db.createSession(ids.last(), u"bench"_s, QDateTime::currentDateTimeUtc());
    }
    if (!FutureWait::wait(db.flush()))
        return false;

    const QString content = u"A typical chat message of about a hundred characters, with "
                            "some punctuation: 'quotes', too."_s;
    const QJsonObject metadata{{u"model"_s, u"gpt-4o-mini"_s}, {u"ttft_ms"_s, 120}};
    QElapsedTimer timer;
    timer.start();
    for (int e = 0; e < kEventsPerSession; ++e) {
        for (const QUuid &id : ids)
            db.appendEvent(Event::make(id, EventType::UserMessage, content, metadata));
        if (e % 100 == 0)
            QCoreApplication::processEvents();
    }
    const qint64 queuedMs = timer.elapsed();
    const QFuture<void> flushed = db.flush();
    if (!FutureWait::wait(flushed, 600000))
        return false;
    const qint64 totalMs = std::max<qint64>(1, timer.elapsed());
    const int total = kSessions * kEventsPerSession;

    QElapsedTimer readTimer;
    readTimer.start();
    const QFuture<QList<Event>> read = db.events(ids.first(), 0, kEventsPerSession);
    FutureWait::wait(read);
    const qint64 readMs = readTimer.elapsed();

    std::printf("%-28s %7d events in %6lld ms = %8.0f events/s (queued in %lld ms); "
                "reading %d events: %lld ms\n",
                qPrintable(label), total, static_cast<long long>(totalMs),
                total * 1000.0 / double(totalMs), static_cast<long long>(queuedMs),
                int(read.result().size()), static_cast<long long>(readMs));
    std::fflush(stdout);
    return true;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    bool ok = bench(u"sqlite"_s, u"sqlite://"_s + dir.filePath(u"bench.db"_s));

    PostgresCluster cluster;
    if (!cluster.start() || !cluster.createDatabase(u"bench"_s) ||
        !cluster.createDatabase(u"pooled"_s)) {
        std::fprintf(stderr, "postgresql: %s\n", qPrintable(cluster.errorString()));
        return 1;
    }
    ok = bench(u"postgresql (direct)"_s, cluster.url(u"bench"_s)) && ok;
    PgBouncer bouncer(cluster, 2);
    if (!bouncer.start()) {
        std::fprintf(stderr, "pgbouncer: %s\n", qPrintable(bouncer.errorString()));
        return 1;
    }
    ok = bench(u"postgresql (pgbouncer, tx)"_s, bouncer.url(u"pooled"_s)) && ok;
    return ok ? 0 : 1;
}
