#include "llm/LocalModel.h"

#include "core/Logging.h"

#include <QFileInfo>
#include <QHostAddress>
#include <QMetaEnum>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QTcpServer>
#include <QTimer>

#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#endif

using namespace Qt::StringLiterals;

namespace {

constexpr int kRecentLines = 40;
constexpr int kFirstRestartDelayMs = 500;

quint16 freeLoopbackPort() {
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

} // namespace

LocalModel::LocalModel(const LocalModelSettings &settings, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_network(new QNetworkAccessManager(this))
    , m_healthTimer(new QTimer(this))
    , m_restartTimer(new QTimer(this)) {
    // /health is on loopback: never through a proxy from http_proxy.
    m_network->setProxy(QNetworkProxy::NoProxy);
    m_healthTimer->setSingleShot(true);
    m_restartTimer->setSingleShot(true);
    connect(m_healthTimer, &QTimer::timeout, this, &LocalModel::pollHealth);
    connect(m_restartTimer, &QTimer::timeout, this, &LocalModel::launch);
}

LocalModel::~LocalModel() {
    m_stopping = true;
    if (m_process) {
        // Bounded wait at exit: llama-server frees its model quickly on SIGTERM.
        m_process->disconnect(this);
        if (m_process->state() != QProcess::NotRunning) {
            m_process->terminate();
            if (!m_process->waitForFinished(2000)) {
                m_process->kill();
                m_process->waitForFinished(1000);
            }
        }
    }
}

QString LocalModel::stateName(State state) {
    return QString::fromLatin1(QMetaEnum::fromType<State>().valueToKey(int(state))).toLower();
}

QUrl LocalModel::baseUrl() const {
    if (m_port == 0)
        return {};
    return QUrl(u"http://127.0.0.1:%1/v1"_s.arg(m_port));
}

QString LocalModel::modelName() const {
    return m_settings.modelName();
}

qint64 LocalModel::processId() const {
    return m_process && m_process->state() != QProcess::NotRunning ? m_process->processId() : 0;
}

void LocalModel::start() {
    if (m_state == State::Loading || m_state == State::Ready)
        return;
    if (m_process && m_process->state() != QProcess::NotRunning)
        return; // still stopping: the restart would race with the old process for the port
    m_stopping = false;
    m_reason.clear();
    m_failedStarts = 0;
    m_restartDelayMs = kFirstRestartDelayMs;
    launch();
}

void LocalModel::stop() {
    m_stopping = true;
    m_restartTimer->stop();
    m_healthTimer->stop();
    if (m_healthReply)
        m_healthReply->abort();
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        QTimer::singleShot(3000, m_process, &QProcess::kill);
        return; // Stopped when it has exited (onExited)
    }
    setState(State::Stopped, {});
}

void LocalModel::launch() {
    const QString problem = m_settings.problem();
    if (!problem.isEmpty()) {
        setState(State::Failed, problem);
        return;
    }
    if (m_port == 0 || m_portTaken) {
        const quint16 port = freeLoopbackPort();
        if (port == 0) {
            setState(State::Failed, u"no free TCP port on 127.0.0.1 for llama-server"_s);
            return;
        }
        const bool changed = m_port != 0;
        m_port = port;
        m_portTaken = false;
        if (changed)
            Q_EMIT baseUrlChanged(baseUrl());
    }

    if (m_process)
        m_process->deleteLater();
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
#ifdef Q_OS_LINUX
    // If we die without stopping it (crash, SIGKILL), the kernel ends llama-server too.
    m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
#endif
    QStringList arguments{
        u"--model"_s,      m_settings.modelPath,
        u"--host"_s,       u"127.0.0.1"_s,
        u"--port"_s,       QString::number(m_port),
        u"--ctx-size"_s,   QString::number(m_settings.contextSize),
        u"--parallel"_s,   QString::number(m_settings.parallel),
        u"--alias"_s,      modelName(),
        u"--jinja"_s,      u"--no-webui"_s,
        u"--log-colors"_s, u"off"_s,
    };
    if (m_settings.threads > 0)
        arguments << u"--threads"_s << QString::number(m_settings.threads);
    m_process->setProgram(m_settings.serverPath);
    m_process->setArguments(arguments);
    QProcess *process = m_process;
    connect(process, &QProcess::readyReadStandardOutput, this, &LocalModel::onOutput);
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart && process == m_process)
            onExited(u"could not be started (%1)"_s.arg(process->errorString()));
    });
    connect(process, &QProcess::finished, this,
            [this, process](int exitCode, QProcess::ExitStatus status) {
                if (process != m_process)
                    return;
                onExited(status == QProcess::CrashExit ? u"crashed"_s
                                                       : u"exited with status %1"_s.arg(exitCode));
            });

    m_recentLines.clear();
    m_partialLine.clear();
    qCInfo(lcLocalModel).noquote() << "starting" << m_settings.serverPath << arguments.join(u' ');
    m_sinceLaunch.start();
    m_process->start();
    setState(State::Loading, m_reason); // after a crash: why it restarts
    m_healthTimer->start(m_settings.healthPollIntervalMs);
}

void LocalModel::pollHealth() {
    if (!m_process || m_process->state() == QProcess::NotRunning || m_state != State::Loading)
        return;
    if (m_sinceLaunch.elapsed() > m_settings.healthTimeoutMs) {
        m_recentLines << u"not ready after %1 s; killed"_s.arg(m_settings.healthTimeoutMs / 1000);
        m_process->kill(); // onExited counts this start as failed and restarts
        return;
    }
    QNetworkRequest request(QUrl(u"http://127.0.0.1:%1/health"_s.arg(m_port)));
    request.setTransferTimeout(2000);
    m_healthReply = m_network->get(request);
    QNetworkReply *reply = m_healthReply;
    QProcess *process = m_process;
    connect(reply, &QNetworkReply::finished, this, [this, reply, process] {
        reply->deleteLater();
        if (m_healthReply == reply)
            m_healthReply = nullptr;
        if (process != m_process || m_state != State::Loading || m_stopping)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() == QNetworkReply::NoError && status == 200) {
            m_failedStarts = 0;
            m_restartDelayMs = kFirstRestartDelayMs;
            qCInfo(lcLocalModel).noquote()
                << "ready: llama-server (pid" << m_process->processId() << ") serves" << modelName()
                << "at" << baseUrl().toString() << "after" << m_sinceLaunch.elapsed() << "ms";
            setState(State::Ready, {});
            return;
        }
        m_healthTimer->start(m_settings.healthPollIntervalMs);
    });
}

void LocalModel::onOutput() {
    m_partialLine += m_process->readAllStandardOutput();
    qsizetype end;
    while ((end = m_partialLine.indexOf('\n')) >= 0) {
        const QString line = QString::fromUtf8(m_partialLine.left(end)).trimmed();
        m_partialLine.remove(0, end + 1);
        if (line.isEmpty())
            continue;
        m_recentLines << line;
        if (m_recentLines.size() > kRecentLines)
            m_recentLines.removeFirst();
        if (line.contains(u"couldn't bind"_s) || line.contains(u"Address already in use"_s))
            m_portTaken = true;
        if (isErrorLine(line))
            qCWarning(lcLocalModel).noquote() << "llama-server:" << line;
        else
            qCDebug(lcLocalModel).noquote() << "llama-server:" << line;
    }
}

// llama-server's lines read "TIME LEVEL …"; the error-level ones say why it stopped.
bool LocalModel::isErrorLine(const QString &line) {
    const qsizetype space = line.indexOf(u' ');
    return space > 0 && line.mid(space, 3) == u" E "_s;
}

QString LocalModel::lastErrorLines() const {
    QStringList errors;
    for (const QString &line : m_recentLines) {
        if (isErrorLine(line) || line.startsWith(u"not ready after"_s))
            errors << line;
    }
    return errors.mid(qMax(0, errors.size() - 3)).join(u" | "_s);
}

void LocalModel::onExited(const QString &how) {
    m_healthTimer->stop();
    if (m_process)
        onOutput();
    if (m_stopping) {
        qCInfo(lcLocalModel) << "llama-server stopped";
        setState(State::Stopped, {});
        return;
    }
    QString reason = u"llama-server %1"_s.arg(how);
    const QString details = lastErrorLines();
    if (!details.isEmpty())
        reason += u": "_s + details;
    if (m_state != State::Ready && ++m_failedStarts >= m_settings.maxFailedStarts) {
        reason += u" (gave up after %1 failed starts; see the lcLocalModel log, check the model "
                  u"file, then restart the program)"_s.arg(m_failedStarts);
        qCCritical(lcLocalModel).noquote() << reason;
        setState(State::Failed, reason);
        return;
    }
    qCWarning(lcLocalModel).noquote() << reason << "- restarting in" << m_restartDelayMs << "ms";
    setState(State::Loading, reason);
    m_restartTimer->start(m_restartDelayMs);
    m_restartDelayMs = qMin(m_restartDelayMs * 2, m_settings.maxRestartDelayMs);
}

void LocalModel::setState(State state, const QString &reason) {
    if (state == m_state && reason == m_reason)
        return;
    m_state = state;
    m_reason = reason;
    Q_EMIT stateChanged(state, reason);
}
