#include "core/ConfigLoader.h"
#include "core/Logging.h"
#include "ui/ConsoleLauncher.h"

#include <QCoreApplication>
#include <QDir>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonObject>
#include <QTextStream>

namespace {

int runHeadless(int argc, char **argv, const Config &config) {
    QCoreApplication app(argc, argv);
    QHttpServer http;
    http.route(QStringLiteral("/healthz"), [] {
        return QHttpServerResponse(QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}});
    });
    const quint16 port = http.listen(QHostAddress(config.host), config.port);
    if (port == 0) {
        qCCritical(lcApp) << "cannot listen on" << config.host << config.port;
        return 1;
    }
    qCInfo(lcApp).noquote()
        << QStringLiteral("listening on http://%1:%2").arg(config.host).arg(port);
    return app.exec();
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication::setApplicationName(QStringLiteral("realtime-ai"));
    QCoreApplication::setApplicationVersion(QStringLiteral(RTAI_VERSION));

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
    Logging::configure(loaded.config.logLevel);
    for (const QString &warning : loaded.warnings)
        qCWarning(lcConfig).noquote() << warning;

    if (loaded.config.headless || !ConsoleLauncher::displayAvailable())
        return runHeadless(argc, argv, loaded.config);
    return ConsoleLauncher::run(argc, argv, loaded.config);
}
