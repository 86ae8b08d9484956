#pragma once

#include "core/Config.h"

// The entry point of the desktop mode: the console window, with a Backend as its server.
namespace ConsoleLauncher {

// True when a windowing system is reachable (DISPLAY, WAYLAND_DISPLAY or QT_QPA_PLATFORM set).
bool displayAvailable();

// Creates the QApplication and the console window and runs the event loop.
int run(int argc, char **argv, const Config &config);

} // namespace ConsoleLauncher
