#include "app/ConsoleLauncher.h"

#include "app/Backend.h"
#include "core/ConfigLoader.h"
#include "core/LogBuffer.h"
#include "core/LogCapture.h"
#include "ui/MainWindow.h"

#include <QApplication>
#include <QDir>
#include <QScopeGuard>

using namespace Qt::StringLiterals;

namespace ConsoleLauncher {

bool displayAvailable() {
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY") ||
           qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

int run(int argc, char **argv, const Config &config) {
    QApplication app(argc, argv);
    QApplication::setApplicationDisplayName(u"Realtime AI"_s);
    const QStringList arguments = QApplication::arguments();
    const QString workingDirectory = QDir::currentPath();

    // Every log line from here on is also shown in the console's log pane (and still on stderr).
    LogBuffer logBuffer;
    LogCapture::install(&logBuffer);
    const auto uncapture = qScopeGuard([] { LogCapture::uninstall(); });

    MainWindow window(config, Backend::factory());
    window.setLogSource(&logBuffer);
    // After the settings dialog saved the file, the same precedence as at start-up applies.
    window.setConfigReloader([arguments, workingDirectory](QStringList *errors) {
        const ConfigLoadResult loaded = ConfigLoader::load(
            arguments, QProcessEnvironment::systemEnvironment(), workingDirectory);
        if (loaded.action != ConfigLoadResult::Action::Run) {
            *errors = loaded.errors;
            return std::optional<Config>();
        }
        return std::optional<Config>(loaded.config);
    });
    window.show();
    window.startServer();
    return app.exec();
}

} // namespace ConsoleLauncher
