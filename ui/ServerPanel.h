#pragma once

#include <QUrl>
#include <QWidget>

class QLabel;
class QPushButton;

// What the embedded server is doing, at a glance: its address (a link to the web client),
// clients, sessions, LLM, database health, turns per minute and uptime, with start/stop.
// A plain view: MainWindow feeds it from the ConsoleServer's signals.
class ServerPanel : public QWidget {
    Q_OBJECT
public:
    explicit ServerPanel(QWidget *parent = nullptr);

    void setRunning(bool running, const QUrl &url);
    void setStatusText(const QString &text); // e.g. "starting…" or why it could not start
    void setClients(int clients);
    void setSessions(int sessions);
    // details: the tooltip. warning: the LLM cannot answer until the operator acts (not
    // configured, not reachable, failed): shown with a warning and a button to the Settings.
    void setLlm(const QString &text, const QString &details = {}, bool warning = false);
    bool llmWarning() const { return m_llmWarning; }
    void setDatabase(const QString &backend, bool healthy, const QString &reason);
    void setTurnsPerMinute(int turns);
    void setUptime(qint64 seconds); // negative: not running

    QUrl url() const { return m_url; }
    bool isRunning() const { return m_running; }
    QLabel *urlLabel() const { return m_urlLabel; }
    QLabel *clientsLabel() const { return m_clients; }
    QLabel *sessionsLabel() const { return m_sessions; }
    QLabel *llmLabel() const { return m_llm; }
    QPushButton *llmSettingsButton() const { return m_llmSettings; }
    QLabel *databaseLabel() const { return m_database; }
    QLabel *turnsLabel() const { return m_turns; }
    QLabel *uptimeLabel() const { return m_uptime; }
    QPushButton *startStopButton() const { return m_startStop; }

    static QString formatUptime(qint64 seconds);

Q_SIGNALS:
    void startRequested();
    void stopRequested();
    void openUrlRequested(const QUrl &url);
    void settingsRequested();

private:
    QLabel *value(const QString &objectName);

    QUrl m_url;
    bool m_running = false;
    QLabel *m_urlLabel = nullptr;
    QLabel *m_clients = nullptr;
    QLabel *m_sessions = nullptr;
    QLabel *m_llm = nullptr;
    QLabel *m_llmIcon = nullptr;
    QPushButton *m_llmSettings = nullptr;
    bool m_llmWarning = false;
    QLabel *m_database = nullptr;
    QLabel *m_turns = nullptr;
    QLabel *m_uptime = nullptr;
    QPushButton *m_startStop = nullptr;
};
