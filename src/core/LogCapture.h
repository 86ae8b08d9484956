#pragma once

class LogBuffer;

// The program's Qt message handler: every message still goes to the handler that was installed
// before (Qt's own, which writes stderr in Logging's pattern), and a copy goes to a LogBuffer
// for the console's log pane. Installed once per process; the buffer can be changed or cleared
// at any time (clear it before the buffer is destroyed).
namespace LogCapture {

void install(LogBuffer *buffer);
void uninstall();

} // namespace LogCapture
