#include "ui/ConsoleLauncher.h"

#include <QApplication>
#include <QLabel>

namespace ConsoleLauncher {

bool displayAvailable() {
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY") ||
           qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

int run(int argc, char **argv, const Config &config) {
    QApplication app(argc, argv);
    QLabel placeholder(QStringLiteral("Realtime AI — console coming soon (%1:%2)")
                           .arg(config.host)
                           .arg(config.port));
    placeholder.show();
    return app.exec();
}

} // namespace ConsoleLauncher
