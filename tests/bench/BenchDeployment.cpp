#include "BenchDeployment.h"

#include "ProcStats.h"
#include "fixtures/Haproxy.h"
#include "fixtures/PostgresCluster.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/TestHttp.h"

#include <QTest>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

const QString kDatabase = u"bench"_s;

double sample(const QByteArray &metrics, const QByteArray &name) {
    for (const QByteArray &line : metrics.split('\n'))
        if (line.startsWith(QByteArray(name + ' ')))
            return line.mid(name.size() + 1).toDouble();
    return 0;
}

} // namespace

BenchDeployment::BenchDeployment(int instances, QStringList serverArguments)
    : m_instances(instances)
    , m_serverArguments(std::move(serverArguments)) {}

BenchDeployment::~BenchDeployment() {
    stop();
}

bool BenchDeployment::start(const QUrl &llmBaseUrl, const QProcessEnvironment &environment) {
    if (!m_dir.isValid()) {
        m_error = u"cannot create a temporary directory"_s;
        return false;
    }
    if (!balanced()) {
        auto server = std::make_unique<ServerProcess>();
        server->setLogName(u"bench_server"_s);
        if (!server->start(QStringList{u"--database-url"_s,
                                       u"sqlite://"_s + m_dir.filePath(u"bench.db"_s),
                                       u"--data-dir"_s, m_dir.path(), u"--llm-base-url"_s,
                                       llmBaseUrl.toString(), u"--log-level"_s, u"warning"_s} +
                               m_serverArguments,
                           environment)) {
            m_error = u"the server did not start:\n"_s + server->log();
            return false;
        }
        m_servers.push_back(std::move(server));
        return true;
    }
    m_cluster = std::make_unique<PostgresCluster>();
    if (!m_cluster->start() || !m_cluster->createDatabase(kDatabase)) {
        m_error = u"PostgreSQL: "_s + m_cluster->errorString();
        return false;
    }
    QList<int> ports;
    for (int i = 0; i < m_instances; ++i) {
        const QString name = u"instance%1"_s.arg(i + 1);
        auto server = std::make_unique<ServerProcess>();
        server->setLogName(u"bench_server-"_s + name);
        if (!server->start(QStringList{u"--database-url"_s, m_cluster->url(kDatabase),
                                       u"--data-dir"_s, m_dir.filePath(name), u"--llm-base-url"_s,
                                       llmBaseUrl.toString(), u"--log-level"_s, u"warning"_s} +
                               m_serverArguments,
                           environment)) {
            m_error = u"%1 did not start:\n%2"_s.arg(name, server->log());
            return false;
        }
        ports << server->url().port();
        m_servers.push_back(std::move(server));
    }
    m_balancer = std::make_unique<Haproxy>(ports);
    if (!m_balancer->start()) {
        m_error = u"haproxy: "_s + m_balancer->errorString();
        return false;
    }
    // Instances count as up after two health checks 2 s apart: wait until all are.
    const QUrl ready = clientUrl().resolved(QUrl(u"/readyz"_s));
    if (!QTest::qWaitFor([&] { return TestHttp::get(ready).status == 200; }, 20000)) {
        m_error = u"haproxy does not reach an instance (/readyz)"_s;
        return false;
    }
    QTest::qWait(5000);
    return true;
}

void BenchDeployment::stop() {
    m_balancer.reset();
    for (auto &server : m_servers) {
        if (server->isRunning()) {
            server->terminate();
            server->waitForExit(10000);
        }
    }
    m_servers.clear();
    if (m_cluster)
        m_cluster->stop();
    m_cluster.reset();
}

QUrl BenchDeployment::clientUrl() const {
    if (!balanced())
        return m_servers.empty() ? QUrl() : m_servers.front()->url();
    QUrl url;
    url.setScheme(u"http"_s);
    url.setHost(u"127.0.0.1"_s);
    url.setPort(m_balancer ? m_balancer->port() : 0);
    return url;
}

double BenchDeployment::serverCpuMs() const {
    double ms = m_killedCpuMs;
    for (const auto &server : m_servers)
        if (server->isRunning())
            ms += ProcStats::cpuMs(server->processId());
    return ms;
}

qint64 BenchDeployment::serverKiB(const char *statusField) const {
    qint64 kib = 0;
    for (const auto &server : m_servers)
        if (server->isRunning())
            kib += std::max<qint64>(0, ProcStats::statusKiB(server->processId(), statusField));
    return kib;
}

double BenchDeployment::haproxyCpuMs() const {
    return m_balancer ? ProcStats::cpuMs(m_balancer->processId()) : 0;
}

double BenchDeployment::postgresCpuMs() const {
    return m_cluster ? ProcStats::treeCpuMs(m_cluster->processId()) : 0;
}

QList<QByteArray> BenchDeployment::metricsOfLive() const {
    QList<QByteArray> all;
    for (const auto &server : m_servers)
        if (server->isRunning())
            all << TestHttp::get(server->url().resolved(QUrl(u"/metrics"_s))).body;
    return all;
}

QStringList BenchDeployment::serverWarnings(int max) const {
    QStringList warnings;
    for (const auto &server : m_servers) {
        for (const QString &line : server->log().split(u'\n')) {
            const qsizetype level = line.indexOf(u' ');
            const QString rest = line.mid(level + 1);
            if (level > 0 && (rest.startsWith(u"WARN"_s) || rest.startsWith(u"CRIT"_s)) &&
                !warnings.contains(rest)) {
                warnings << rest;
                if (warnings.size() == max)
                    return warnings;
            }
        }
    }
    return warnings;
}

double BenchDeployment::metric(const QByteArray &name) const {
    double sum = 0;
    for (const QByteArray &metrics : metricsOfLive())
        sum += sample(metrics, name);
    return sum;
}

int BenchDeployment::killBusiest() {
    ServerProcess *busiest = nullptr;
    int most = -1;
    for (const auto &server : m_servers) {
        if (!server->isRunning())
            continue;
        const QByteArray metrics = TestHttp::get(server->url().resolved(QUrl(u"/metrics"_s))).body;
        const int sessions = int(sample(metrics, "rtai_active_sessions"));
        if (sessions > most) {
            most = sessions;
            busiest = server.get();
        }
    }
    if (!busiest)
        return -1;
    m_killedCpuMs += ProcStats::cpuMs(busiest->processId());
    busiest->kill();
    busiest->waitForExit(10000);
    return most;
}
