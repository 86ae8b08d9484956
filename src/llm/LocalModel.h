#pragma once

#include "llm/LocalModelSettings.h"

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;
class QProcess;
class QTimer;

// Supervises the bundled llama-server: a child process on a free loopback port, started with the
// model, a context size and --jinja (OpenAI-style tools), ready once GET /health answers 200,
// restarted with backoff when it dies, stopped with the program. Its output goes to lcLocalModel.
// LlmClient talks to baseUrl() like to any OpenAI-compatible server. Main thread only.
class LocalModel : public QObject {
    Q_OBJECT
public:
    enum class State {
        Stopped, // not started, or stopped by stop()
        Loading, // starting, loading the model, or waiting to restart after a crash (reason says)
        Ready,   // answering requests at baseUrl()
        Failed,  // gave up: not installed, or every start in a row failed (reason says why)
    };
    Q_ENUM(State)

    explicit LocalModel(const LocalModelSettings &settings, QObject *parent = nullptr);
    ~LocalModel() override; // stops llama-server: SIGTERM, then SIGKILL after 2 s

    void start(); // no-op while Loading or Ready
    void stop();  // SIGTERM, SIGKILL after 3 s; Stopped once it is gone

    State state() const { return m_state; }
    QString reason() const { return m_reason; } // empty when Ready or Stopped
    static QString stateName(State state);      // stopped, loading, ready, failed
    // http://127.0.0.1:PORT/v1; fixed at the first start, changed (baseUrlChanged) only when a
    // restart finds the port taken. Empty before start().
    QUrl baseUrl() const;
    QString modelName() const; // the GGUF file name without .gguf; what llama-server reports
    qint64 processId() const;  // 0 when no llama-server is running
    const LocalModelSettings &settings() const { return m_settings; }

Q_SIGNALS:
    void stateChanged(LocalModel::State state, const QString &reason);
    void baseUrlChanged(const QUrl &baseUrl);

private:
    void launch();
    void pollHealth();
    void onOutput();
    void onExited(const QString &how);
    void setState(State state, const QString &reason);
    QString lastErrorLines() const;
    static bool isErrorLine(const QString &line);

    LocalModelSettings m_settings;
    QNetworkAccessManager *m_network;
    QTimer *m_healthTimer;
    QTimer *m_restartTimer;
    QProcess *m_process = nullptr;
    QNetworkReply *m_healthReply = nullptr;
    QElapsedTimer m_sinceLaunch;
    State m_state = State::Stopped;
    QString m_reason;
    quint16 m_port = 0;
    bool m_stopping = false;
    bool m_portTaken = false;
    int m_failedStarts = 0;
    int m_restartDelayMs = 500;
    QByteArray m_partialLine;
    QStringList m_recentLines;
};
