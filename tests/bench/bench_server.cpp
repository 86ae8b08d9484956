// Load benchmark of the server: the real `realtime-ai --server` process, the mock-llm process
// and N WebSocket clients in this process, three processes whose CPU is reported apart.
//
// Two shapes of load:
// - talking sessions (default): each client sends its next message as soon as its reply is
//   done. With a paced mock (--first-token-delay-ms, --token-delay-ms, --reply-tokens) every
//   reply takes a known time, so the ideal is clients ÷ reply time turns/s; the report compares
//   against it and gives the time the backend adds to the first token and between tokens.
// - --burst: every client sends one message at the same moment; reports how long the last
//   answers took.
// --idle N adds connected sessions that never talk (memory per idle connection).
//
//   scripts/bench bench_server                      # the README's paced and instant tables
//   build/bench/bench_server --clients 1000 --first-token-delay-ms 200 --token-delay-ms 40
//       --reply-tokens 20 --duration 20
//   build/bench/bench_server --clients 10000 --burst

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
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

struct Scenario {
    int clients = 100;
    int idle = 0;
    int durationS = 20;
    int tokenDelayMs = 0;
    int firstTokenDelayMs = 0;
    int replyTokens = 0; // 0: the mock's rule-based reply to a greeting
    bool burst = false;

    bool paced() const { return tokenDelayMs > 0 || firstTokenDelayMs > 0; }
    // When the mock sends the first content token, and the whole reply, after the request.
    double mockFirstTokenMs() const { return firstTokenDelayMs + tokenDelayMs; }
    double replyMs() const { return firstTokenDelayMs + double(tokenDelayMs) * replyTokens; }
    QString message() const {
        return replyTokens > 0 ? u"long: %1"_s.arg(replyTokens)
                               : u"Hello there, how are you today?"_s;
    }
};

struct Totals {
    qint64 turns = 0;
    qint64 tokens = 0;
    qint64 errors = 0;
    qint64 closed = 0;
    QList<double> ttftMs;
    QList<double> gapMs; // between two content frames of one reply
    bool measuring = false;
};

// One client: connects, then (unless idle) sends a message each time the previous turn is done,
// or once when told to (burst).
class LoadClient : public QObject {
public:
    enum class Mode { Talk, Burst, Idle };

    LoadClient(const QUrl &url, const QString &message, Mode mode, Totals *totals, QObject *parent)
        : QObject(parent)
        , m_totals(totals)
        , m_message(message)
        , m_mode(mode) {
        connect(&m_socket, &QWebSocket::textMessageReceived, this, &LoadClient::onFrame);
        connect(&m_socket, &QWebSocket::disconnected, this, [this] {
            if (m_totals->measuring)
                ++m_totals->closed;
        });
        m_socket.open(url);
    }
    bool ready() const { return m_ready; }
    bool answered() const { return m_answered; }
    void stop() { m_stopped = true; }
    void close() { m_socket.close(); }
    void send() {
        if (m_stopped)
            return;
        m_firstToken = false;
        m_clock.start();
        m_socket.sendTextMessage(m_message);
    }

private:
    void onFrame(const QString &text) {
        const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
        const QString type = frame.value(u"type"_s).toString();
        if (type == u"session") {
            m_ready = true;
            if (m_mode == Mode::Talk)
                send();
        } else if (type == u"content") {
            const double now = double(m_clock.nsecsElapsed()) / 1e6;
            if (m_totals->measuring) {
                if (!m_firstToken)
                    m_totals->ttftMs.append(now);
                else
                    m_totals->gapMs.append(now - m_lastTokenMs);
                ++m_totals->tokens;
            }
            m_firstToken = true;
            m_lastTokenMs = now;
        } else if (type == u"error") {
            if (m_totals->measuring)
                ++m_totals->errors;
        } else if (type == u"done") {
            m_answered = true;
            if (m_totals->measuring)
                ++m_totals->turns;
            if (m_mode == Mode::Talk)
                send();
        }
    }

    QWebSocket m_socket;
    Totals *m_totals;
    QString m_message;
    Mode m_mode;
    QElapsedTimer m_clock;
    double m_lastTokenMs = 0;
    bool m_ready = false;
    bool m_answered = false;
    bool m_firstToken = false;
    bool m_stopped = false;
};

QByteArray procFile(qint64 pid, const char *name) {
    QFile file(pid > 0 ? u"/proc/%1/%2"_s.arg(pid).arg(QLatin1String(name))
                       : u"/proc/self/%1"_s.arg(QLatin1String(name)));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

qint64 statusKiB(qint64 pid, const char *field) {
    for (const QByteArray &line : procFile(pid, "status").split('\n'))
        if (line.startsWith(field))
            return line.mid(int(qstrlen(field))).trimmed().split(' ').first().toLongLong();
    return -1;
}

// User + system CPU time of a process (pid 0: this one), in milliseconds.
double cpuMs(qint64 pid) {
    const QByteArray stat = procFile(pid, "stat");
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    // After "pid (comm) ": state is field 0; utime and stime are fields 11 and 12.
    const double ticks = fields.at(11).toDouble() + fields.at(12).toDouble();
    return ticks * 1000.0 / double(::sysconf(_SC_CLK_TCK));
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

QJsonObject mockStats(const MockLlmProcess &mock, bool reset) {
    QUrl url(u"http://127.0.0.1:%1/mock/stats%2"_s.arg(mock.port())
                 .arg(reset ? u"?reset=1"_s : QString()));
    return QJsonDocument::fromJson(TestHttp::get(url).body).object();
}

struct CpuClock {
    CpuClock(qint64 serverPidValue, qint64 mockPidValue)
        : serverPid(serverPidValue)
        , mockPid(mockPidValue) {}

    qint64 serverPid;
    qint64 mockPid;
    double server = 0, mock = 0, self = 0;
    QElapsedTimer wall;

    void start() {
        server = cpuMs(serverPid);
        mock = cpuMs(mockPid);
        self = cpuMs(0);
        wall.start();
    }
    // CPU used since start() as a share of one core, in percent.
    double share(double startMs, qint64 pid) const {
        return 100.0 * (cpuMs(pid) - startMs) / double(std::max<qint64>(1, wall.elapsed()));
    }
};

bool runOnce(const Scenario &scenario) {
    MockLlmProcess mock;
    if (!mock.start({u"--token-delay-ms"_s, QString::number(scenario.tokenDelayMs),
                     u"--first-token-delay-ms"_s, QString::number(scenario.firstTokenDelayMs)})) {
        std::fprintf(stderr, "bench_server: cannot start mock-llm\n");
        return false;
    }
    QTemporaryDir dir;
    ServerProcess server;
    server.setLogName(u"bench_server"_s);
    if (!server.start({u"--database-url"_s, u"sqlite://"_s + dir.filePath(u"bench.db"_s),
                       u"--data-dir"_s, dir.path(), u"--llm-base-url"_s, mock.baseUrl().toString(),
                       u"--log-level"_s, u"warning"_s})) {
        std::fprintf(stderr, "bench_server: the server did not start:\n%s\n",
                     qPrintable(server.log()));
        return false;
    }

    Totals totals;
    QObject owner;
    QList<LoadClient *> talkers;
    QList<LoadClient *> everyone;
    const qint64 rssBefore = statusKiB(server.processId(), "VmRSS:");
    QElapsedTimer connectClock;
    connectClock.start();
    const int total = scenario.clients + scenario.idle;
    for (int i = 0; i < total; ++i) {
        const bool talks = i < scenario.clients;
        QUrl url = server.url();
        url.setScheme(u"ws"_s);
        url.setPath(u"/ws/session/"_s + Ids::toText(QUuid::createUuid()));
        url.setQuery(u"user_id=bench%1"_s.arg(i));
        const LoadClient::Mode mode = !talks           ? LoadClient::Mode::Idle
                                      : scenario.burst ? LoadClient::Mode::Burst
                                                       : LoadClient::Mode::Talk;
        auto *client = new LoadClient(url, scenario.message(), mode, &totals, &owner);
        everyone << client;
        if (talks)
            talkers << client;
        if (i % 50 == 49)
            QCoreApplication::processEvents();
    }
    const bool allReady = QTest::qWaitFor(
        [&] {
            return std::all_of(everyone.begin(), everyone.end(),
                               [](const LoadClient *c) { return c->ready(); });
        },
        300000);
    const qint64 connectMs = connectClock.elapsed();
    const qint64 rssConnected = statusKiB(server.processId(), "VmRSS:");

    CpuClock cpu(server.processId(), mock.processId());
    double seconds = 0;
    bool allAnswered = true;
    if (scenario.burst) {
        mockStats(mock, true);
        totals.measuring = true;
        cpu.start();
        for (LoadClient *client : talkers)
            client->send();
        allAnswered = QTest::qWaitFor(
            [&] {
                return std::all_of(talkers.begin(), talkers.end(),
                                   [](const LoadClient *c) { return c->answered(); });
            },
            300000);
        seconds = double(cpu.wall.elapsed()) / 1000.0;
    } else {
        QTest::qWait(2000); // warm up, then measure
        mockStats(mock, true);
        totals.measuring = true;
        cpu.start();
        QTest::qWait(scenario.durationS * 1000);
        seconds = double(cpu.wall.elapsed()) / 1000.0;
    }
    totals.measuring = false;
    const double serverCpu = cpuMs(server.processId()) - cpu.server;
    const double serverShare = cpu.share(cpu.server, server.processId());
    const double mockShare = cpu.share(cpu.mock, mock.processId());
    const double selfShare = cpu.share(cpu.self, 0);
    const QJsonObject llm = mockStats(mock, false);
    const qint64 rss = statusKiB(server.processId(), "VmRSS:");
    const qint64 peak = statusKiB(server.processId(), "VmHWM:");
    for (LoadClient *client : talkers)
        client->stop();
    QTest::qWait(1000);
    const QByteArray metrics = TestHttp::get(server.url().resolved(QUrl(u"/metrics"_s))).body;

    std::printf(
        "%s: %d talking + %d idle clients (all connected: %s, in %lld ms); mock: first "
        "token after %d ms, then %d ms per token, %s\n",
        scenario.burst ? "burst" : "talk", scenario.clients, scenario.idle, allReady ? "yes" : "no",
        connectMs, scenario.firstTokenDelayMs, scenario.tokenDelayMs,
        scenario.replyTokens > 0 ? qPrintable(u"%1-token replies"_s.arg(scenario.replyTokens))
                                 : "rule-based replies");
    if (scenario.burst) {
        std::printf("  answered         %lld of %d (all: %s) in %.1f s\n", totals.turns,
                    scenario.clients, allAnswered ? "yes" : "no", seconds);
    } else {
        const double turnsPerSecond = double(totals.turns) / seconds;
        std::printf("  turns/s          %.1f", turnsPerSecond);
        if (scenario.paced() && scenario.replyTokens > 0) {
            const double ideal = scenario.clients / (scenario.replyMs() / 1000.0);
            std::printf(" of ideal %.1f (%.0f %%)", ideal, 100.0 * turnsPerSecond / ideal);
        }
        std::printf("\n  tokens/s         %.0f\n", double(totals.tokens) / seconds);
    }
    std::printf("  ttft p50 / p99   %.1f / %.1f ms at the client (%lld samples, max %.1f)\n",
                percentile(totals.ttftMs, 0.5), percentile(totals.ttftMs, 0.99),
                qint64(totals.ttftMs.size()), percentile(totals.ttftMs, 1.0));
    if (scenario.paced()) {
        const double mockTtft = scenario.mockFirstTokenMs();
        std::printf("  backend-added    ttft p50 / p99 %.1f / %.1f ms; between tokens p99 %.1f "
                    "ms\n",
                    percentile(totals.ttftMs, 0.5) - mockTtft,
                    percentile(totals.ttftMs, 0.99) - mockTtft,
                    percentile(totals.gapMs, 0.99) - scenario.tokenDelayMs);
    }
    std::printf(
        "  LLM in flight    max %d at the mock; server-side queue wait %.1f ms mean\n",
        llm.value(u"max_in_flight"_s).toInt(),
        1000.0 * metric(metrics, "rtai_llm_queue_wait_seconds_sum{priority=\"interactive\"}") /
            qMax(1.0,
                 metric(metrics, "rtai_llm_queue_wait_seconds_count{priority=\"interactive\"}")));
    std::printf("  errors           %lld frames, %lld connections closed\n", totals.errors,
                totals.closed);
    std::printf("  server RSS       %.1f MiB (peak %.1f MiB; %.1f KiB per connection)\n",
                double(rss) / 1024.0, double(peak) / 1024.0,
                double(rssConnected - rssBefore) / std::max(1, total));
    std::printf("  CPU              server %.0f %% of a core (%.2f ms per turn), mock %.0f %%, "
                "load generator %.0f %%\n",
                serverShare, serverCpu / std::max<qint64>(1, totals.turns), mockShare, selfShare);
    std::fflush(stdout);
    for (LoadClient *client : everyone)
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
    const QCommandLineOption clientsOption(
        u"clients"_s, u"Talking clients (repeatable: one run each)."_s, u"n"_s);
    const QCommandLineOption idleOption(u"idle"_s, u"Extra connected clients that never talk."_s,
                                        u"n"_s, u"0"_s);
    const QCommandLineOption durationOption(u"duration"_s, u"Seconds measured per run."_s, u"s"_s,
                                            u"20"_s);
    const QCommandLineOption delayOption(u"token-delay-ms"_s, u"mock-llm delay between tokens."_s,
                                         u"ms"_s, u"0"_s);
    const QCommandLineOption firstDelayOption(
        u"first-token-delay-ms"_s, u"mock-llm delay before the first token."_s, u"ms"_s, u"0"_s);
    const QCommandLineOption tokensOption(
        u"reply-tokens"_s, u"Tokens per reply (0: the mock's rule-based greeting reply)."_s, u"n"_s,
        u"0"_s);
    const QCommandLineOption burstOption(u"burst"_s, u"Every client sends one message at once."_s);
    parser.addOptions({clientsOption, idleOption, durationOption, delayOption, firstDelayOption,
                       tokensOption, burstOption});
    parser.process(app);

    Scenario base;
    base.idle = parser.value(idleOption).toInt();
    base.durationS = parser.value(durationOption).toInt();
    base.tokenDelayMs = parser.value(delayOption).toInt();
    base.firstTokenDelayMs = parser.value(firstDelayOption).toInt();
    base.replyTokens = parser.value(tokensOption).toInt();
    base.burst = parser.isSet(burstOption);
    QList<Scenario> runs;
    for (const QString &value : parser.values(clientsOption)) {
        Scenario scenario = base;
        scenario.clients = value.toInt();
        runs << scenario;
    }
    if (runs.isEmpty()) {
        // The README's tables: paced like a real model (25 tokens/s after 200 ms), then instant.
        for (int clients : {10, 100, 1000, 2000}) {
            Scenario paced;
            paced.clients = clients;
            paced.firstTokenDelayMs = 200;
            paced.tokenDelayMs = 40;
            paced.replyTokens = 20;
            runs << paced;
        }
        for (int clients : {100, 1000}) {
            Scenario instant;
            instant.clients = clients;
            runs << instant;
        }
    }
    for (const Scenario &scenario : runs)
        if (!runOnce(scenario))
            return 1;
    return 0;
}
