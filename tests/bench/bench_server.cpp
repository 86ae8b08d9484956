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
// --instances N runs N servers on a throwaway PostgreSQL behind haproxy (packaging/haproxy.cfg)
// instead of one on SQLite, the clients connected through haproxy; --kill-one-after S SIGKILLs
// the instance with the most sessions S seconds into the measurement: its clients reconnect
// through haproxy, resume their sessions elsewhere and talk on; the report gives the failover.
// --llm-tls h2|http1.1 puts haproxy terminating TLS and HTTP (fixtures/TlsProxy: ALPN h2,http/1.1
// or http/1.1 only, a throwaway certificate the servers trust through RTAI_LLM_CA_FILE) between
// the servers and the mock; --llm-http auto|1.1|2 (repeatable) sets RTAI_LLM_HTTP, --repeat N
// runs every configuration N times, interleaved: HTTP/2 against HTTP/1.1 to the LLM.
//
//   scripts/bench bench_server                      # the README's paced and instant tables
//   build/bench/bench_server --clients 1000 --first-token-delay-ms 200 --token-delay-ms 40
//       --reply-tokens 20 --duration 20
//   build/bench/bench_server --clients 10000 --burst
//   build/bench/bench_server --clients 100 --first-token-delay-ms 200 --token-delay-ms 40
//       --reply-tokens 20 --instances 3 --kill-one-after 10
//   build/bench/bench_server --clients 1000 --first-token-delay-ms 200 --token-delay-ms 40
//       --reply-tokens 20 --llm-tls h2 --llm-http 1.1 --llm-http 2 --repeat 2

#include "BenchDeployment.h"
#include "ProcStats.h"
#include "core/Ids.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/TestHttp.h"
#include "fixtures/TlsProxy.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QTest>
#include <QTimer>
#include <QWebSocket>
#include <algorithm>
#include <cstdio>
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
    int instances = 0;     // 0: one server on SQLite, no haproxy
    int killOneAfterS = 0; // 0: no instance is killed
    int threads = 0;       // the servers' --threads; 0: their default (one per core)
    QString llmTls;        // the ALPN of a TLS server in front of the mock; empty: none
    QString llmHttp;       // RTAI_LLM_HTTP for the servers; empty: their default

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
    QMap<QString, qint64> errorCodes;
    QMap<QString, QString> firstErrorMessage; // per code: what the first such frame said
    bool measuring = false;
    // Failover: from the kill, until a client whose connection it closed completes a turn.
    QElapsedTimer sinceKill;
    qint64 orphaned = 0;  // clients whose connection the kill closed
    qint64 resumed = 0;   // of them, those that got their session again
    qint64 recovered = 0; // of them, those that completed a turn again
    qint64 firstResumedMs = -1;
    qint64 lastResumedMs = -1;
    qint64 firstServedMs = -1;
    qint64 lastServedMs = -1;
    qint64 reconnectAttempts = 0;
};

// One client: connects, then (unless idle) sends a message each time the previous turn is done,
// or once when told to (burst).
class LoadClient : public QObject {
public:
    enum class Mode { Talk, Burst, Idle };

    // `reconnect`: a lost connection is opened again (after 250 ms, until it works) and the
    // client talks on, as the web client does behind a load balancer.
    LoadClient(const QUrl &url, const QString &message, Mode mode, bool reconnect, Totals *totals,
               QObject *parent)
        : QObject(parent)
        , m_totals(totals)
        , m_url(url)
        , m_message(message)
        , m_mode(mode)
        , m_reconnect(reconnect) {
        m_retry.setSingleShot(true);
        m_retry.setInterval(250);
        connect(&m_retry, &QTimer::timeout, this, [this] {
            ++m_totals->reconnectAttempts;
            m_socket.open(m_url);
        });
        connect(&m_socket, &QWebSocket::textMessageReceived, this, &LoadClient::onFrame);
        connect(&m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
                [this] {
                    if (m_reconnect && !m_closing &&
                        m_socket.state() == QAbstractSocket::UnconnectedState)
                        m_retry.start();
                });
        connect(&m_socket, &QWebSocket::disconnected, this, [this] {
            if (m_totals->measuring)
                ++m_totals->closed;
            if (m_totals->sinceKill.isValid() && !m_orphaned && !m_closing) {
                m_orphaned = true;
                ++m_totals->orphaned;
            }
            if (m_reconnect && !m_closing)
                m_retry.start();
        });
        m_socket.open(url);
    }
    bool ready() const { return m_ready; }
    bool answered() const { return m_answered; }
    void stop() { m_stopped = true; }
    void close() {
        m_closing = true;
        m_retry.stop();
        m_socket.close();
    }
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
            if (m_orphaned && !m_resumed) {
                m_resumed = true;
                const qint64 ms = m_totals->sinceKill.elapsed();
                ++m_totals->resumed;
                if (m_totals->firstResumedMs < 0)
                    m_totals->firstResumedMs = ms;
                m_totals->lastResumedMs = std::max(m_totals->lastResumedMs, ms);
            }
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
            if (m_totals->measuring) {
                ++m_totals->errors;
                const QString code = frame.value(u"code"_s).toString();
                ++m_totals->errorCodes[code];
                if (!m_totals->firstErrorMessage.contains(code))
                    m_totals->firstErrorMessage.insert(code, frame.value(u"message"_s).toString());
            }
        } else if (type == u"done") {
            m_answered = true;
            if (m_totals->measuring)
                ++m_totals->turns;
            if (m_orphaned && !m_recovered) {
                m_recovered = true;
                const qint64 ms = m_totals->sinceKill.elapsed();
                ++m_totals->recovered;
                if (m_totals->firstServedMs < 0)
                    m_totals->firstServedMs = ms;
                m_totals->lastServedMs = std::max(m_totals->lastServedMs, ms);
            }
            if (m_mode == Mode::Talk)
                send();
        }
    }

    QWebSocket m_socket;
    QTimer m_retry;
    Totals *m_totals;
    QUrl m_url;
    QString m_message;
    Mode m_mode;
    QElapsedTimer m_clock;
    double m_lastTokenMs = 0;
    bool m_reconnect;
    bool m_ready = false;
    bool m_answered = false;
    bool m_firstToken = false;
    bool m_stopped = false;
    bool m_closing = false;
    bool m_orphaned = false;
    bool m_resumed = false;
    bool m_recovered = false;
};

// The 1, 5 and 15 minute load averages: other work on the machine skews a run.
QByteArray loadAverage() {
    QFile file(u"/proc/loadavg"_s);
    const QList<QByteArray> fields =
        file.open(QIODevice::ReadOnly) ? file.readAll().split(' ') : QList<QByteArray>();
    return fields.size() >= 3 ? fields.mid(0, 3).join(' ') : QByteArray("?");
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

// CPU time used so far by each process of a run, in milliseconds.
struct CpuSample {
    double servers = 0, haproxy = 0, postgres = 0, mock = 0, self = 0, machine = 0;

    static CpuSample take(const BenchDeployment &deployment, qint64 mockPid) {
        CpuSample sample;
        sample.servers = deployment.serverCpuMs();
        sample.haproxy = deployment.haproxyCpuMs();
        sample.postgres = deployment.postgresCpuMs();
        sample.mock = ProcStats::cpuMs(mockPid);
        sample.self = ProcStats::cpuMs(0);
        sample.machine = ProcStats::machineBusyMs();
        return sample;
    }
};

// CPU used between two samples as a share of one core, in percent.
double share(double startMs, double endMs, qint64 wallMs) {
    return 100.0 * (endMs - startMs) / double(std::max<qint64>(1, wallMs));
}

bool runOnce(const Scenario &scenario) {
    const QByteArray loadBefore = loadAverage();
    MockLlmProcess mock;
    if (!mock.start({u"--token-delay-ms"_s, QString::number(scenario.tokenDelayMs),
                     u"--first-token-delay-ms"_s, QString::number(scenario.firstTokenDelayMs)})) {
        std::fprintf(stderr, "bench_server: cannot start mock-llm\n");
        return false;
    }
    std::unique_ptr<TlsProxy> tls;
    QUrl llmUrl = mock.baseUrl();
    QProcessEnvironment llmEnvironment;
    if (!scenario.llmTls.isEmpty()) {
        tls = std::make_unique<TlsProxy>(mock.port(), scenario.llmTls);
        if (!tls->start()) {
            std::fprintf(stderr, "bench_server: TLS server: %s\n", qPrintable(tls->errorString()));
            return false;
        }
        llmUrl = tls->baseUrl();
        llmEnvironment.insert(u"RTAI_LLM_CA_FILE"_s, tls->caFile());
    }
    if (!scenario.llmHttp.isEmpty())
        llmEnvironment.insert(u"RTAI_LLM_HTTP"_s, scenario.llmHttp);
    const qint64 tlsPid = tls ? tls->processId() : 0;
    const auto tlsCounter = [&tls](const QByteArray &column) {
        return tls ? tls->frontendCounter(column) : 0.0;
    };
    BenchDeployment deployment(scenario.instances,
                               scenario.threads > 0
                                   ? QStringList{u"--threads"_s, QString::number(scenario.threads)}
                                   : QStringList{});
    if (!deployment.start(llmUrl, llmEnvironment)) {
        std::fprintf(stderr, "bench_server: %s\n", qPrintable(deployment.errorString()));
        return false;
    }

    Totals totals;
    QObject owner;
    QList<LoadClient *> talkers;
    QList<LoadClient *> everyone;
    const qint64 rssBefore = deployment.serverKiB("VmRSS:");
    QElapsedTimer connectClock;
    connectClock.start();
    const int total = scenario.clients + scenario.idle;
    for (int i = 0; i < total; ++i) {
        const bool talks = i < scenario.clients;
        QUrl url = deployment.clientUrl();
        url.setScheme(u"ws"_s);
        url.setPath(u"/ws/session/"_s + Ids::toText(QUuid::createUuid()));
        url.setQuery(u"user_id=bench%1"_s.arg(i));
        const LoadClient::Mode mode = !talks           ? LoadClient::Mode::Idle
                                      : scenario.burst ? LoadClient::Mode::Burst
                                                       : LoadClient::Mode::Talk;
        auto *client =
            new LoadClient(url, scenario.message(), mode, deployment.balanced(), &totals, &owner);
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
    const qint64 rssConnected = deployment.serverKiB("VmRSS:");

    QElapsedTimer wall;
    CpuSample cpuStart;
    double tlsCpuStart = 0;
    const auto startMeasuring = [&] {
        mockStats(mock, true);
        totals.measuring = true;
        cpuStart = CpuSample::take(deployment, mock.processId());
        tlsCpuStart = tls ? ProcStats::cpuMs(tlsPid) : 0;
        wall.start();
    };
    double seconds = 0;
    bool allAnswered = true;
    int killedSessions = -1;
    if (scenario.burst) {
        startMeasuring();
        for (LoadClient *client : talkers)
            client->send();
        allAnswered = QTest::qWaitFor(
            [&] {
                return std::all_of(talkers.begin(), talkers.end(),
                                   [](const LoadClient *c) { return c->answered(); });
            },
            300000);
        seconds = double(wall.elapsed()) / 1000.0;
    } else {
        QTest::qWait(2000); // warm up, then measure
        startMeasuring();
        if (scenario.killOneAfterS > 0) {
            QTest::qWait(scenario.killOneAfterS * 1000);
            totals.sinceKill.start();
            killedSessions = deployment.killBusiest();
        }
        QTest::qWait(int(scenario.durationS * 1000 - wall.elapsed()));
        seconds = double(wall.elapsed()) / 1000.0;
    }
    totals.measuring = false;
    const CpuSample cpuEnd = CpuSample::take(deployment, mock.processId());
    const double tlsCpuEnd = tls ? ProcStats::cpuMs(tlsPid) : 0; // pid 0 would be this one
    const qint64 wallMs = wall.elapsed();
    const QJsonObject llm = mockStats(mock, false);
    // Since the start, warm-up included: a pool opens its connections once, then keeps them.
    const double tlsConnections = tlsCounter("conn_tot");
    const double tlsOpen = tlsCounter("scur");
    const double tlsRequests = tlsCounter("req_tot");
    const qint64 rss = deployment.serverKiB("VmRSS:");
    const qint64 peak = deployment.serverKiB("VmHWM:");
    for (LoadClient *client : talkers)
        client->stop();
    QTest::qWait(1000);
    const double queueWaitS =
        deployment.metric("rtai_llm_queue_wait_seconds_sum{priority=\"interactive\"}");
    const double queueWaits =
        deployment.metric("rtai_llm_queue_wait_seconds_count{priority=\"interactive\"}");

    if (deployment.balanced())
        std::printf("through haproxy to %d %s on PostgreSQL\n", scenario.instances,
                    scenario.instances == 1 ? "instance" : "instances");
    if (scenario.threads > 0)
        std::printf("server network threads: %d\n", scenario.threads);
    if (tls)
        std::printf("LLM through a TLS server (haproxy, ALPN %s), RTAI_LLM_HTTP=%s\n",
                    qPrintable(scenario.llmTls),
                    scenario.llmHttp.isEmpty() ? "(default)" : qPrintable(scenario.llmHttp));
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
    std::printf("  LLM in flight    max %d at the mock; server-side queue wait %.1f ms mean\n",
                llm.value(u"max_in_flight"_s).toInt(), 1000.0 * queueWaitS / qMax(1.0, queueWaits));
    if (tls)
        std::printf("  LLM connections  to the TLS server: %.0f opened (%.0f open at the end) for "
                    "%.0f requests, since the start; from it to the mock: %d opened\n",
                    tlsConnections, tlsOpen, tlsRequests, llm.value(u"connections"_s).toInt());
    std::printf("  errors           %lld frames, %lld connections closed\n", totals.errors,
                totals.closed);
    if (!totals.errorCodes.isEmpty()) {
        QStringList codes;
        for (auto it = totals.errorCodes.cbegin(); it != totals.errorCodes.cend(); ++it)
            codes << u"%1 × %2"_s.arg(it.value()).arg(it.key().isEmpty() ? u"?"_s : it.key());
        std::printf("  error codes      %s\n", qPrintable(codes.join(u", "_s)));
        for (auto it = totals.firstErrorMessage.cbegin(); it != totals.firstErrorMessage.cend();
             ++it)
            std::printf("  first %-10s %s\n", qPrintable(it.key()), qPrintable(it.value()));
        for (const QString &warning : deployment.serverWarnings(5))
            std::printf("  server log       %s\n", qPrintable(warning));
    }
    if (scenario.killOneAfterS > 0) {
        std::printf("  failover         the instance with %d sessions SIGKILLed after %d s: %lld "
                    "clients lost their connection (%lld reconnect attempts)\n"
                    "                   %lld had their session again after %lld-%lld ms; %lld "
                    "completed a turn again after %lld-%lld ms\n",
                    killedSessions, scenario.killOneAfterS, totals.orphaned,
                    totals.reconnectAttempts, totals.resumed, totals.firstResumedMs,
                    totals.lastResumedMs, totals.recovered, totals.firstServedMs,
                    totals.lastServedMs);
    }
    std::printf("  server RSS       %.1f MiB (peak %.1f MiB; %.1f KiB per connection)\n",
                double(rss) / 1024.0, double(peak) / 1024.0,
                double(rssConnected - rssBefore) / std::max(1, total));
    const double serverCpuMs = cpuEnd.servers - cpuStart.servers;
    std::printf("  CPU              server %.0f %% of a core (%.2f ms per turn), mock %.0f %%, "
                "load generator %.0f %%\n",
                share(cpuStart.servers, cpuEnd.servers, wallMs),
                serverCpuMs / double(std::max<qint64>(1, totals.turns)),
                share(cpuStart.mock, cpuEnd.mock, wallMs),
                share(cpuStart.self, cpuEnd.self, wallMs));
    if (tls)
        std::printf("                   TLS server (haproxy) %.0f %% of a core\n",
                    share(tlsCpuStart, tlsCpuEnd, wallMs));
    if (deployment.balanced()) {
        std::printf("                   (server: %d %s) haproxy %.0f %%, PostgreSQL %.0f %%\n",
                    scenario.instances, scenario.instances == 1 ? "instance" : "instances summed",
                    share(cpuStart.haproxy, cpuEnd.haproxy, wallMs),
                    share(cpuStart.postgres, cpuEnd.postgres, wallMs));
    }
    const double ours = share(cpuStart.servers, cpuEnd.servers, wallMs) +
                        share(cpuStart.haproxy, cpuEnd.haproxy, wallMs) +
                        share(cpuStart.postgres, cpuEnd.postgres, wallMs) +
                        share(cpuStart.mock, cpuEnd.mock, wallMs) +
                        share(cpuStart.self, cpuEnd.self, wallMs) +
                        share(tlsCpuStart, tlsCpuEnd, wallMs);
    const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
    const double busy = share(cpuStart.machine, cpuEnd.machine, wallMs);
    std::printf("  machine          %.0f %% busy of %ld %% (%ld cores): this run's processes %.0f "
                "%%, everything else %.0f %%\n",
                busy, 100 * cores, cores, ours, std::max(0.0, busy - ours));
    std::printf("  load average     %s before the run, %s at its end\n", loadBefore.constData(),
                loadAverage().constData());
    std::fflush(stdout);
    for (LoadClient *client : everyone)
        client->close();
    QTest::qWait(500);
    deployment.stop();
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
    const QCommandLineOption instancesOption(
        u"instances"_s,
        u"Servers on a throwaway PostgreSQL behind haproxy (default: one on SQLite, direct)."_s,
        u"n"_s);
    const QCommandLineOption killOption(
        u"kill-one-after"_s,
        u"SIGKILL the instance with the most sessions this many seconds into the measurement."_s,
        u"s"_s);
    const QCommandLineOption threadsOption(
        u"threads"_s, u"The servers' network threads (default: theirs, one per core)."_s, u"n"_s);
    const QCommandLineOption tlsOption(
        u"llm-tls"_s,
        u"haproxy terminating TLS in front of the mock, offering h2 (ALPN h2,http/1.1) or "
        "http1.1 (ALPN http/1.1)."_s,
        u"alpn"_s);
    const QCommandLineOption httpOption(
        u"llm-http"_s,
        u"RTAI_LLM_HTTP for the servers: auto, 1.1 or 2 (repeatable: one run each)."_s,
        u"version"_s);
    const QCommandLineOption repeatOption(
        u"repeat"_s, u"Run every configuration this many times, interleaved."_s, u"n"_s, u"1"_s);
    parser.addOptions({clientsOption, idleOption, durationOption, delayOption, firstDelayOption,
                       tokensOption, burstOption, instancesOption, killOption, threadsOption,
                       tlsOption, httpOption, repeatOption});
    parser.process(app);

    Scenario base;
    base.idle = parser.value(idleOption).toInt();
    base.durationS = parser.value(durationOption).toInt();
    base.tokenDelayMs = parser.value(delayOption).toInt();
    base.firstTokenDelayMs = parser.value(firstDelayOption).toInt();
    base.replyTokens = parser.value(tokensOption).toInt();
    base.burst = parser.isSet(burstOption);
    base.threads = parser.value(threadsOption).toInt();
    const auto fail = [](const char *message) {
        std::fprintf(stderr, "bench_server: %s\n", message);
        return 2;
    };
    if (parser.isSet(instancesOption)) {
        bool ok = false;
        base.instances = parser.value(instancesOption).toInt(&ok);
        if (!ok || base.instances < 1)
            return fail("--instances expects a number of at least 1");
    }
    if (parser.isSet(killOption)) {
        bool ok = false;
        base.killOneAfterS = parser.value(killOption).toInt(&ok);
        if (!ok || base.killOneAfterS < 1 || base.killOneAfterS >= base.durationS)
            return fail("--kill-one-after expects seconds from 1 to less than --duration");
        if (base.instances < 2)
            return fail("--kill-one-after needs --instances 2 or more (the clients move to the "
                        "others)");
        if (base.burst)
            return fail("--kill-one-after works with talking sessions, not --burst");
    }
    if (parser.isSet(tlsOption)) {
        const QString alpn = parser.value(tlsOption);
        if (alpn == u"h2")
            base.llmTls = u"h2,http/1.1"_s;
        else if (alpn == u"http1.1")
            base.llmTls = u"http/1.1"_s;
        else
            return fail("--llm-tls expects h2 (ALPN h2,http/1.1) or http1.1 (ALPN http/1.1)");
    }
    QStringList versions = parser.values(httpOption);
    for (const QString &version : versions)
        if (version != u"auto" && version != u"1.1" && version != u"2")
            return fail("--llm-http expects auto, 1.1 or 2");
    if (!versions.isEmpty() && base.llmTls.isEmpty())
        return fail("--llm-http needs --llm-tls (the mock itself speaks HTTP/1.1 only)");
    if (versions.isEmpty())
        versions << QString();
    bool repeatOk = false;
    const int repeat = parser.value(repeatOption).toInt(&repeatOk);
    if (!repeatOk || repeat < 1)
        return fail("--repeat expects a number of at least 1");
    QList<Scenario> runs;
    for (const QString &value : parser.values(clientsOption)) {
        for (int round = 0; round < repeat; ++round) {
            for (const QString &version : versions) {
                Scenario scenario = base;
                scenario.clients = value.toInt();
                scenario.llmHttp = version;
                runs << scenario;
            }
        }
    }
    if (runs.isEmpty() && (parser.isSet(httpOption) || repeat > 1))
        return fail("--llm-http and --repeat need --clients");
    if (runs.isEmpty() && base.instances > 0)
        return fail("--instances needs --clients (the README's default tables are for one "
                    "server on SQLite)");
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
