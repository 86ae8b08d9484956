#pragma once

#include <QByteArray>
#include <QList>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>
#include <memory>
#include <vector>

class Haproxy;
class PostgresCluster;
class ServerProcess;

// What bench_server's clients talk to. Without instances: one `realtime-ai --server` on SQLite,
// connected directly. With N instances: a throwaway PostgreSQL, N servers on it and Debian's
// haproxy (packaging/haproxy.cfg) in front, the clients connected through haproxy.
class BenchDeployment {
public:
    // 0 instances: the single SQLite server. `serverArguments` go to every server.
    explicit BenchDeployment(int instances, QStringList serverArguments = {});
    ~BenchDeployment();
    BenchDeployment(const BenchDeployment &) = delete;
    BenchDeployment &operator=(const BenchDeployment &) = delete;

    // `environment`: extra variables for the servers (the LLM's HTTP version, its CA file).
    bool start(const QUrl &llmBaseUrl, const QProcessEnvironment &environment = {});
    void stop();
    QString errorString() const { return m_error; }

    bool balanced() const { return m_instances > 0; }
    int instanceCount() const { return int(m_servers.size()); }
    QUrl clientUrl() const; // http://host:port of haproxy, or of the single server

    // Summed over the instances (CPU: a killed one up to its kill; memory: the live ones).
    double serverCpuMs() const;
    qint64 serverKiB(const char *statusField) const;
    double haproxyCpuMs() const;
    double postgresCpuMs() const; // the postmaster and its backends
    // The servers' distinct warning and critical log lines (time cut), at most `max`: why
    // turns failed, for the run's report.
    QStringList serverWarnings(int max) const;
    // A sample of the live instances' /metrics, summed; 0 when absent.
    double metric(const QByteArray &name) const;

    // SIGKILLs the live instance with the most open sessions; the sessions it had, -1 if none.
    int killBusiest();

private:
    QList<QByteArray> metricsOfLive() const;

    int m_instances;
    QStringList m_serverArguments;
    QTemporaryDir m_dir;
    std::unique_ptr<PostgresCluster> m_cluster;
    std::vector<std::unique_ptr<ServerProcess>> m_servers;
    std::unique_ptr<Haproxy> m_balancer;
    double m_killedCpuMs = 0;
    QString m_error;
};
