// Load benchmark of the server: the real `realtime-ai --server` process, the mock-llm process
// streaming at a chosen token rate, and N WebSocket clients in this process, each doing turns
// back to back for a while. Prints turns/s, streamed tokens/s, time to first token as the client
// sees it (user frame sent → first content frame received) p50/p99, errors, and the server's RSS.
//
//   scripts/bench bench_server                    # 100 and 1000 clients, 20 s each
//   build/bench/bench_server --clients 1000 --duration 30 --token-delay-ms 0

#include "core/Ids.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/TestEnvironment.h"
#include "fixtures/TestHttp.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QWebSocket>
#include <algorithm>
#include <cstdio>
#include <memory>

namespace {

struct Totals {
    qint64 turns = 0;
    qint64 tokens = 0;
    qint64 errors = 0;
    qint64 closed = 0;
    QList<double> ttftMs;
    bool measuring = false;
};

// One client: connects, then sends a message each time the previous turn is done.
class LoadClient : public QObject {
public:
    LoadClient(const QUrl &url, Totals *totals, QObject *parent)
        : QObject(parent)
        , m_totals(totals) {
        connect(&m_socket, &QWebSocket::textMessageReceived, this, &LoadClient::onFrame);
        connect(&m_socket, &QWebSocket::disconnected, this, [this] {
            if (m_totals->measuring)
                ++m_totals->closed;
        });
        m_socket.open(url);
    }
    bool ready() const { return m_ready; }
    void stop() { m_stopped = true; }
    void close() { m_socket.close(); }

private:
    void send() {
        if (m_stopped)
            return;
        m_firstToken = false;
        m_clock.start();
        m_socket.sendTextMessage(QStringLiteral("Hello there, how are you today?"));
    }
    void onFrame(const QString &text) {
        const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
        const QString type = frame.value(QStringLiteral("type")).toString();
        if (type == u"session") {
            m_ready = true;
            send();
        } else if (type == u"content") {
            if (!m_firstToken && m_totals->measuring)
                m_totals->ttftMs.append(double(m_clock.nsecsElapsed()) / 1e6);
            m_firstToken = true;
            if (m_totals->measuring)
                ++m_totals->tokens;
        } else if (type == u"error") {
            if (m_totals->measuring)
                ++m_totals->errors;
        } else if (type == u"done") {
            if (m_totals->measuring)
                ++m_totals->turns;
            send();
        }
    }

    QWebSocket m_socket;
    Totals *m_totals;
    QElapsedTimer m_clock;
    bool m_ready = false;
    bool m_firstToken = false;
    bool m_stopped = false;
};

qint64 rssKiB(qint64 pid, const char *field) {
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith(field))
            return line.mid(int(qstrlen(field))).trimmed().split(' ').first().toLongLong();
    return -1;
}

// A sample value of the server's /metrics, e.g. "rtai_ttft_seconds_sum"; 0 when absent.
double metric(const QByteArray &metrics, const QByteArray &name) {
    for (const QByteArray &line : metrics.split('\n'))
        if (line.startsWith(QByteArray(name + ' ')))
            return line.mid(name.size() + 1).toDouble();
    return 0;
}

double percentile(QList<double> values, double p) {
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype index =
        std::min<qsizetype>(values.size() - 1, qsizetype(p * double(values.size())));
    return values.at(index);
}

bool runOnce(int clients, int durationS, int tokenDelayMs) {
    MockLlmProcess mock;
    if (!mock.start({QStringLiteral("--token-delay-ms"), QString::number(tokenDelayMs)})) {
        std::fprintf(stderr, "bench_server: cannot start mock-llm\n");
        return false;
    }
    QTemporaryDir dir;
    ServerProcess server;
    server.setLogName(QStringLiteral("bench_server"));
    if (!server.start({QStringLiteral("--database-url"),
                       QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bench.db")),
                       QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--llm-base-url"),
                       mock.baseUrl().toString(), QStringLiteral("--log-level"),
                       QStringLiteral("warning")})) {
        std::fprintf(stderr, "bench_server: the server did not start:\n%s\n",
                     qPrintable(server.log()));
        return false;
    }

    Totals totals;
    QObject owner;
    QList<LoadClient *> loadClients;
    QElapsedTimer connectClock;
    connectClock.start();
    for (int i = 0; i < clients; ++i) {
        QUrl url = server.url();
        url.setScheme(QStringLiteral("ws"));
        url.setPath(QStringLiteral("/ws/session/") + Ids::toText(QUuid::createUuid()));
        url.setQuery(QStringLiteral("user_id=bench%1").arg(i));
        loadClients << new LoadClient(url, &totals, &owner);
        if (i % 50 == 49)
            QCoreApplication::processEvents();
    }
    const bool allReady = QTest::qWaitFor(
        [&] {
            return std::all_of(loadClients.begin(), loadClients.end(),
                               [](const LoadClient *c) { return c->ready(); });
        },
        120000);
    const qint64 connectMs = connectClock.elapsed();
    // Warm up, then measure.
    QTest::qWait(2000);
    totals.measuring = true;
    QElapsedTimer clock;
    clock.start();
    QTest::qWait(durationS * 1000);
    totals.measuring = false;
    const double seconds = double(clock.elapsed()) / 1000.0;
    const qint64 rss = rssKiB(server.processId(), "VmRSS:");
    const qint64 peak = rssKiB(server.processId(), "VmHWM:");
    for (LoadClient *client : loadClients)
        client->stop();
    QTest::qWait(1000);
    const QByteArray metrics =
        TestHttp::get(server.url().resolved(QUrl(QStringLiteral("/metrics")))).body;
    const double llmTtftMs = 1000.0 * metric(metrics, "rtai_ttft_seconds_sum") /
                             qMax(1.0, metric(metrics, "rtai_ttft_seconds_count"));

    std::printf("clients %d (all connected: %s, in %lld ms), token delay %d ms, %d s\n", clients,
                allReady ? "yes" : "no", connectMs, tokenDelayMs, durationS);
    std::printf("  turns/s          %.1f\n", double(totals.turns) / seconds);
    std::printf("  tokens/s         %.0f\n", double(totals.tokens) / seconds);
    std::printf("  ttft p50 / p99   %.1f / %.1f ms (%lld samples)\n",
                percentile(totals.ttftMs, 0.5), percentile(totals.ttftMs, 0.99),
                qint64(totals.ttftMs.size()));
    std::printf("  server-side ttft %.1f ms mean (turn start to first LLM delta, whole run)\n",
                llmTtftMs);
    std::printf("  errors           %lld frames, %lld connections closed\n", totals.errors,
                totals.closed);
    std::printf("  server RSS       %.1f MiB (peak %.1f MiB)\n", double(rss) / 1024.0,
                double(peak) / 1024.0);
    std::fflush(stdout);
    for (LoadClient *client : loadClients)
        client->close();
    QTest::qWait(500);
    server.terminate();
    server.waitForExit(10000);
    return true;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption clientsOption(QStringLiteral("clients"),
                                           QStringLiteral("Concurrent clients (repeatable)."),
                                           QStringLiteral("n"));
    const QCommandLineOption durationOption(QStringLiteral("duration"),
                                            QStringLiteral("Seconds measured per run."),
                                            QStringLiteral("s"), QStringLiteral("20"));
    const QCommandLineOption delayOption(QStringLiteral("token-delay-ms"),
                                         QStringLiteral("mock-llm delay between tokens."),
                                         QStringLiteral("ms"), QStringLiteral("0"));
    parser.addOptions({clientsOption, durationOption, delayOption});
    parser.process(app);
    QList<int> counts;
    for (const QString &value : parser.values(clientsOption))
        counts << value.toInt();
    if (counts.isEmpty())
        counts = {100, 1000};
    for (int count : counts)
        if (!runOnce(count, parser.value(durationOption).toInt(),
                     parser.value(delayOption).toInt()))
            return 1;
    return 0;
}
