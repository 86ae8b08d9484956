#pragma once

#include <QObject>

class QSocketNotifier;

// Turns SIGINT and SIGTERM into a Qt signal with the self-pipe trick: the POSIX handler only
// writes a byte to a socket pair, which a QSocketNotifier reads on the main thread.
class ShutdownSignals : public QObject {
    Q_OBJECT

public:
    explicit ShutdownSignals(QObject *parent = nullptr);
    ~ShutdownSignals() override;

Q_SIGNALS:
    // `count` is 1 for the first signal, 2 for the second, …
    void received(int signalNumber, int count);

private:
    void onReadable();

    QSocketNotifier *m_notifier = nullptr;
    int m_count = 0;
};
