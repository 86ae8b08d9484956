#include "ui/ConsoleLauncher.h"

#include "server/Backend.h"

#include <QApplication>
#include <QLabel>

namespace ConsoleLauncher {

bool displayAvailable() {
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY") ||
           qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

int run(int argc, char **argv, const Config &config) {
    QApplication app(argc, argv);
    Backend backend(config);
    QLabel placeholder(QStringLiteral("Realtime AI — starting the server…"));
    QObject::connect(&backend, &Backend::started, &placeholder, [&placeholder](const QUrl &url) {
        placeholder.setText(QStringLiteral("Realtime AI — serving on %1").arg(url.toString()));
    });
    QObject::connect(&backend, &Backend::startFailed, &placeholder,
                     [&placeholder](const QString &message) { placeholder.setText(message); });
    QObject::connect(&app, &QApplication::aboutToQuit, &backend, &Backend::stop);
    placeholder.show();
    backend.start();
    return app.exec();
}

} // namespace ConsoleLauncher
