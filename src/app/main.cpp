#include "ShutdownSignals.h"
#include "app/Backend.h"
#include "app/ConsoleLauncher.h"
#include "core/ConfigLoader.h"
#include "core/Logging.h"
#include "server/ExposurePolicy.h"
#include "storage/DatabaseUrl.h"

#include <QCoreApplication>
#include <QDir>
#include <QTextStream>
#include <QTimer>
#include <sys/resource.h>

using namespace Qt::StringLiterals;

namespace {

// Exit within 5 s of SIGTERM even if a part does not finish its graceful stop in time.
constexpr int kStopDeadlineMs = 4500;

// Every WebSocket client is a file descriptor: allow as many as the hard limit permits.
void raiseFileLimit() {
    rlimit limit = {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

int runHeadless(int argc, char **argv, const Config &config) {
    raiseFileLimit();
    QCoreApplication app(argc, argv);
    Backend backend(config);
    backend.setConsoleFeeds(false); // no console follows the sessions
    ShutdownSignals signals;

    QObject::connect(&backend, &Backend::started, &app, [](const QUrl &url) {
        // The browser tests and scripts read the port from this line: keep its wording.
        QTextStream(stderr) << "listening on " << url.toString() << Qt::endl;
    });
    QObject::connect(&backend, &Backend::startFailed, &app, [](const QString &message) {
        qCCritical(lcApp).noquote() << message;
        QCoreApplication::exit(1);
    });
    QObject::connect(&backend, &Backend::stopped, &app, [] { QCoreApplication::exit(0); });
    QObject::connect(&backend, &Backend::errorOccurred, &app,
                     [](const QString &message) { qCWarning(lcApp).noquote() << message; });
    QObject::connect(
        &signals, &ShutdownSignals::received, &app, [&backend](int signalNumber, int count) {
            if (count > 1) {
                qCWarning(lcApp) << "second signal" << signalNumber << "- exiting without waiting";
                QCoreApplication::exit(1);
                return;
            }
            qCInfo(lcApp) << "signal" << signalNumber << "- shutting down";
            QTimer::singleShot(kStopDeadlineMs, qApp, [] {
                qCWarning(lcApp) << "graceful stop took too long; exiting";
                QCoreApplication::exit(0);
            });
            backend.stop();
        });
    backend.start();
    return app.exec();
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication::setApplicationName(u"realtime-ai"_s);
    QCoreApplication::setApplicationVersion(QString::fromLatin1(RTAI_VERSION));

    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    const ConfigLoadResult loaded = ConfigLoader::load(
        arguments, QProcessEnvironment::systemEnvironment(), QDir::currentPath());

    QTextStream out(stdout);
    QTextStream err(stderr);
    switch (loaded.action) {
    case ConfigLoadResult::Action::ShowHelp:
        out << loaded.helpText;
        return 0;
    case ConfigLoadResult::Action::ShowVersion:
        out << "realtime-ai " << RTAI_VERSION << '\n';
        return 0;
    case ConfigLoadResult::Action::Fail:
        for (const QString &error : loaded.errors)
            err << "realtime-ai: " << error << '\n';
        return 2;
    case ConfigLoadResult::Action::Run:
        break;
    }
    // A malformed database URL is a configuration error like any other: say so before starting.
    QString databaseProblem;
    if (!DatabaseUrl::parse(loaded.config.databaseUrl, &databaseProblem)) {
        err << "realtime-ai: invalid database URL: " << databaseProblem << '\n';
        return 2;
    }
    // So is serving beyond loopback with no authentication, unless the operator says so.
    const QString exposure = ExposurePolicy::refusal(loaded.config);
    if (!exposure.isEmpty()) {
        err << "realtime-ai: " << exposure << '\n';
        return 2;
    }
    Logging::configure(loaded.config.logLevel);
    for (const QString &warning : loaded.warnings)
        qCWarning(lcConfig).noquote() << warning;

    if (loaded.config.headless || !ConsoleLauncher::displayAvailable())
        return runHeadless(argc, argv, loaded.config);
    return ConsoleLauncher::run(argc, argv, loaded.config);
}
