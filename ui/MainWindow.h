#pragma once

#include "core/Config.h"
#include "ui/ConsoleServer.h"
#include "ui/SessionExporter.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>
#include <QUrl>
#include <QUuid>
#include <functional>
#include <optional>

class LogBuffer;
class LogPane;
class MetricsChartPane;
class MetricsSampler;
class QAction;
class QComboBox;
class QLineEdit;
class QPushButton;
class QSplitter;
class QTableView;
class ServerPanel;
class SessionDetailWidget;
class SessionFilterProxyModel;
class SessionMonitor;
class SessionSearchPane;
class SessionTableModel;

// The admin console: the server's panel, the sessions table (loaded in pages from the server's
// SessionArchive, then kept current by the server's signals) and the selected session in detail.
// Owns the server it shows: a ConsoleServer starts once, so every start makes a new one from the
// Config with the factory. The server is the embedded one (app/Backend), or in remote mode
// (setRemote) a `realtime-ai --server` elsewhere (RemoteConsoleServer), shown by the same widgets.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // Re-reads the configuration after the settings dialog saved it; nothing when it is invalid
    // (errors says why).
    using ConfigReloader = std::function<std::optional<Config>(QStringList *errors)>;

    MainWindow(const Config &config, ConsoleServer::Factory serverFactory,
               QWidget *parent = nullptr);
    ~MainWindow() override;

    void setConfigReloader(ConfigReloader reloader);
    // The program's log lines for the log pane (LogCapture fills the buffer).
    void setLogSource(LogBuffer *buffer);
    // Where window geometry and splitter positions are kept (an INI file).
    void setStateFile(const QString &path);
    // Tests turn off the confirmation of destructive actions.
    void setConfirmationsEnabled(bool enabled) { m_confirm = enabled; }

    ConsoleServer *backend() const;
    const Config &config() const { return m_config; }
    SessionTableModel *sessionModel() const { return m_model; }
    SessionFilterProxyModel *sessionProxy() const { return m_proxy; }
    QTableView *sessionTable() const { return m_table; }
    SessionDetailWidget *detail() const { return m_detail; }
    ServerPanel *serverPanel() const { return m_panel; }
    LogPane *logPane() const { return m_logPane; }
    MetricsSampler *sampler() const { return m_sampler; }
    MetricsChartPane *chartPane() const { return m_charts; }
    SessionMonitor *monitor() const { return m_monitor; }
    QLineEdit *userFilterEdit() const { return m_userFilter; }
    SessionSearchPane *searchPane() const { return m_search; }
    QComboBox *statusFilterBox() const { return m_statusFilter; }
    bool hasMorePages() const { return m_nextBefore.isValid(); }
    QAction *action(const QString &objectName) const;

public Q_SLOTS:
    void startServer();
    void stopServer();
    void restartServer(const Config &config);
    void loadNextPage();
    void reloadSessions();
    void selectSession(const QUuid &sessionId);
    bool endSelectedSession();
    void deleteSelectedSession();
    // Opens the selected session's title for editing; an edit is stored by renameSession().
    void renameSelectedSession();
    // Checks the title (core/SessionTitle) and stores it; a message in the status bar says
    // why not.
    void renameSession(const QUuid &id, const QString &title);
    // Writes the selected session to `path`; false with a message in the status bar on failure.
    bool exportSelectedSession(SessionExporter::Format format, const QString &path);
    void copySelectedSessionId();
    void copySelectedUserId();
    void openSettings();
    // File ▸ Connect to server…: a second console window, in remote mode (setRemote), that
    // attaches to the address given (RemoteConsoleServer).
    void connectToServer();
    // This window shows the remote server at `address` (its factory makes RemoteConsoleServers):
    // the title names it; Settings is hidden, Start and Stop attach and detach, Delete is off
    // with a tooltip saying why.
    void setRemote(const QUrl &address);

Q_SIGNALS:
    void serverStarted(const QUrl &url);
    void serverStopped();
    void pageLoaded(int sessions);
    void sessionDeleted(const QUuid &sessionId);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void buildLayout();
    void connectServer();
    void onStarted(const QUrl &url);
    void onSelectionChanged();
    // A search result: shown in the table (added when it is older than what is loaded, the
    // filters cleared when they hide it) and selected, so the detail pane opens it.
    void openFoundSession(const Session &session);
    void refreshPanel();
    void updateActions();
    void exportWithDialog(SessionExporter::Format format);
    void saveState() const;
    void restoreState();
    void showMessage(const QString &message);
    void applyPrices();       // llm/prices of the Config, for the cost column
    void syncColumnActions(); // the header's column menu shows which columns are hidden
    void loadStoredUsage(const QList<Session> &sessions);
    void loadBaseUsage(const QUuid &sessionId);
    QUuid selectedSessionId() const;
    void showLlm(); // the LLM line of the server panel, with the local model's state

    Config m_config;
    ConfigReloader m_reloader;
    QString m_stateFile;
    bool m_confirm = true;
    QUuid m_reselect; // selected when the server stopped: selected again once it is back
    bool m_closing = false;
    QUrl m_remote; // the remote server this window shows (setRemote); empty: the embedded one
    std::optional<Config> m_pendingRestart;

    ConsoleServer::Factory m_serverFactory;
    QPointer<ConsoleServer> m_backend;
    QElapsedTimer m_uptime;
    QTimer m_panelTimer;
    QDateTime m_nextBefore;
    bool m_pageLoading = false;
    quint64 m_pageGeneration = 0;

    SessionTableModel *m_model = nullptr;
    SessionFilterProxyModel *m_proxy = nullptr;
    SessionMonitor *m_monitor = nullptr;
    ServerPanel *m_panel = nullptr;
    SessionDetailWidget *m_detail = nullptr;
    QTableView *m_table = nullptr;
    QLineEdit *m_userFilter = nullptr;
    SessionSearchPane *m_search = nullptr;
    QComboBox *m_statusFilter = nullptr;
    QPushButton *m_loadMore = nullptr;
    QSplitter *m_splitter = nullptr;
    LogPane *m_logPane = nullptr;
    MetricsSampler *m_sampler = nullptr;
    MetricsChartPane *m_charts = nullptr;
};
