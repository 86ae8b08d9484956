// Over 400 lines: the console window wires its panels, actions and the server's signals in one
// place; it is to be split when the console is next reworked.
#include "ui/MainWindow.h"

#include "chat/ConversationFeed.h"
#include "chat/SummaryScheduler.h"
#include "core/FutureCallbacks.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "core/Readiness.h"
#include "core/SessionTitle.h"
#include "llm/LocalModel.h"
#include "ui/ConnectDialog.h"
#include "ui/EmptyViewLabel.h"
#include "ui/LogPane.h"
#include "ui/MetricsChartPane.h"
#include "ui/MetricsSampler.h"
#include "ui/RemoteConsoleServer.h"
#include "ui/ServerPanel.h"
#include "ui/SessionArchive.h"
#include "ui/SessionDetailWidget.h"
#include "ui/SessionFilterProxyModel.h"
#include "ui/SessionMonitor.h"
#include "ui/SessionSearchPane.h"
#include "ui/SessionTableModel.h"
#include "ui/SettingsDialog.h"
#include "ui/TranscriptView.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDesktopServices>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {
constexpr int PageSize = 100;
constexpr int StopDeadlineMs = 6000;
} // namespace

MainWindow::MainWindow(const Config &config, ConsoleServer::Factory serverFactory, QWidget *parent)
    : QMainWindow(parent)
    , m_config(config)
    , m_serverFactory(std::move(serverFactory)) {
    setWindowTitle(tr("Realtime AI — console"));
    m_model = new SessionTableModel(this);
    m_proxy = new SessionFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    connect(m_model, &SessionTableModel::titleEdited, this, &MainWindow::renameSession);
    m_monitor = new SessionMonitor(m_model, this);
    applyPrices();
    buildLayout();
    buildActions();
    // End applies to a live session only: the selected one may go live or stop being live.
    connect(m_monitor, &SessionMonitor::attached, this, &MainWindow::updateActions);
    connect(m_monitor, &SessionMonitor::detached, this, &MainWindow::updateActions);
    m_panelTimer.setInterval(1000);
    connect(&m_panelTimer, &QTimer::timeout, this, &MainWindow::refreshPanel);
    m_panelTimer.start();
    showLlm();
    m_panel->setDatabase(tr("not open"), false, {});
    if (!config.configFile.isEmpty())
        setStateFile(QFileInfo(config.configFile).dir().filePath(u"console-state.ini"_s));
    updateActions();
}

MainWindow::~MainWindow() {
    // Conversations die with the server; stop following them first.
    m_detail->clearSession();
    m_monitor->detachAll();
    // Before the widgets whose pending database reads it would otherwise answer.
    delete m_backend.data();
}

ConsoleServer *MainWindow::backend() const {
    return m_backend;
}

void MainWindow::setConfigReloader(ConfigReloader reloader) {
    m_reloader = std::move(reloader);
}

void MainWindow::setLogSource(LogBuffer *buffer) {
    m_logPane->setSource(buffer);
}

void MainWindow::setStateFile(const QString &path) {
    m_stateFile = path;
    restoreState();
}

QAction *MainWindow::action(const QString &objectName) const {
    return findChild<QAction *>(objectName);
}

void MainWindow::buildLayout() {
    m_panel = new ServerPanel(this);
    connect(m_panel, &ServerPanel::startRequested, this, &MainWindow::startServer);
    connect(m_panel, &ServerPanel::stopRequested, this, &MainWindow::stopServer);
    connect(m_panel, &ServerPanel::openUrlRequested, this,
            [](const QUrl &url) { QDesktopServices::openUrl(url); });
    connect(m_panel, &ServerPanel::settingsRequested, this, &MainWindow::openSettings);

    m_userFilter = new QLineEdit(this);
    m_userFilter->setObjectName(u"userFilter"_s);
    m_userFilter->setPlaceholderText(tr("Filter by user (Ctrl+F)"));
    m_userFilter->setClearButtonEnabled(true);
    connect(m_userFilter, &QLineEdit::textChanged, m_proxy,
            &SessionFilterProxyModel::setUserFilter);
    m_statusFilter = new QComboBox(this);
    m_statusFilter->setObjectName(u"statusFilter"_s);
    m_statusFilter->addItem(tr("All sessions"), int(SessionFilterProxyModel::StatusFilter::Any));
    m_statusFilter->addItem(tr("Live"), int(SessionFilterProxyModel::StatusFilter::Live));
    m_statusFilter->addItem(tr("Ended"), int(SessionFilterProxyModel::StatusFilter::Ended));
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_proxy->setStatusFilter(
            SessionFilterProxyModel::StatusFilter(m_statusFilter->itemData(index).toInt()));
    });

    m_table = new QTableView(this);
    m_table->setObjectName(u"sessionTable"_s);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(SessionTableModel::StartedColumn, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    // Widths from the font, so that every column, Status last, fits at the default size.
    const QFontMetrics metrics = m_table->fontMetrics();
    const auto fit = [this, &metrics](int column, const QString &sample) {
        m_table->setColumnWidth(column, metrics.horizontalAdvance(sample) + 16);
    };
    fit(SessionTableModel::UserColumn, u"user-name-1"_s);
    fit(SessionTableModel::TitleColumn, u"A title this long…"_s); // elided; the tooltip has it
    fit(SessionTableModel::IdColumn, u"0123abcd…"_s); // elided; Copy session id has it all
    fit(SessionTableModel::StartedColumn, u"2025-01-01 08:00:00"_s);
    fit(SessionTableModel::EndedColumn, u"2025-01-01 08:00:00"_s);
    fit(SessionTableModel::MessagesColumn, u"Messages"_s);
    fit(SessionTableModel::TokensColumn, u"Tokens"_s);
    fit(SessionTableModel::TtftColumn, u"999 ms"_s);
    fit(SessionTableModel::DurationColumn, u"9 m 59 s"_s);
    fit(SessionTableModel::ToolCallsColumn, u"Tools"_s);
    fit(SessionTableModel::CostColumn, u"$0.0000"_s);
    fit(SessionTableModel::StatusColumn, u"connected"_s);
    // Duration says what Ended adds (its tooltip has the time): hidden until asked for, so that
    // the usage columns fit at the default size.
    m_table->setColumnHidden(SessionTableModel::EndedColumn, true);
    QHeaderView *header = m_table->horizontalHeader();
    header->setContextMenuPolicy(Qt::ActionsContextMenu);
    for (int column = 0; column < SessionTableModel::ColumnCount; ++column) {
        auto *toggle = new QAction(m_model->headerData(column, Qt::Horizontal).toString(), header);
        toggle->setObjectName(u"showColumn%1"_s.arg(column));
        toggle->setCheckable(true);
        connect(toggle, &QAction::toggled, m_table,
                [this, column](bool shown) { m_table->setColumnHidden(column, !shown); });
        header->addAction(toggle);
    }
    syncColumnActions();
    auto *emptyTable = new EmptyViewLabel(m_table, [this] {
        const bool filtering =
            !m_proxy->userFilter().isEmpty() ||
            m_proxy->statusFilter() != SessionFilterProxyModel::StatusFilter::Any;
        return filtering ? tr("No sessions match the filter") : QString();
    });
    emptyTable->setObjectName(u"sessionTablePlaceholder"_s);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::onSelectionChanged);
    // Pages load as the user scrolls to the end of what is loaded.
    connect(m_table->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (value > 0 && value == m_table->verticalScrollBar()->maximum())
            loadNextPage();
    });

    connect(m_userFilter, &QLineEdit::textChanged, emptyTable, &EmptyViewLabel::refresh);
    connect(m_statusFilter, &QComboBox::currentIndexChanged, emptyTable, &EmptyViewLabel::refresh);

    m_loadMore = new QPushButton(tr("Load older sessions"), this);
    m_loadMore->setObjectName(u"loadMore"_s);
    connect(m_loadMore, &QPushButton::clicked, this, &MainWindow::loadNextPage);

    m_search = new SessionSearchPane(this);
    connect(m_search, &SessionSearchPane::sessionChosen, this, &MainWindow::openFoundSession);

    auto *filters = new QHBoxLayout;
    filters->addWidget(m_userFilter, 1);
    filters->addWidget(m_statusFilter);
    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_search);
    leftLayout->addLayout(filters);
    leftLayout->addWidget(m_table, 1);
    leftLayout->addWidget(m_loadMore);

    m_detail = new SessionDetailWidget(m_monitor, this);
    connect(m_detail, &SessionDetailWidget::loadFailed, this,
            [this](const QUuid &, const QString &message) { showMessage(message); });

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(u"mainSplitter"_s);
    m_splitter->addWidget(left);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({920, 360}); // the sessions table fits every shown column

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->addWidget(m_panel);
    layout->addWidget(m_splitter, 1);
    setCentralWidget(central);

    m_logPane = new LogPane(this);
    auto *logDock = new QDockWidget(tr("Log"), this);
    logDock->setObjectName(u"logDock"_s);
    logDock->setWidget(m_logPane);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);

    m_sampler = new MetricsSampler(this);
    connect(m_monitor, &SessionMonitor::turnCompleted, m_sampler,
            [this](const QUuid &, const TurnOutcome &outcome) { m_sampler->recordTurn(outcome); });
    m_charts = new MetricsChartPane(m_sampler, this);
    auto *chartsDock = new QDockWidget(tr("Charts (last 10 minutes)"), this);
    chartsDock->setObjectName(u"chartsDock"_s);
    chartsDock->setWidget(m_charts);
    addDockWidget(Qt::BottomDockWidgetArea, chartsDock);
    splitDockWidget(logDock, chartsDock, Qt::Horizontal);
    resizeDocks({logDock, chartsDock}, {440, 840}, Qt::Horizontal);
    resizeDocks({logDock}, {210}, Qt::Vertical);
    statusBar();
    resize(1280, 800);
}

void MainWindow::buildActions() {
    const auto make = [this](QMenu *menu, const QString &name, const QString &text,
                             const QKeySequence &shortcut, auto slot) {
        auto *action = new QAction(text, this);
        action->setObjectName(name);
        if (!shortcut.isEmpty())
            action->setShortcut(shortcut);
        action->setShortcutContext(Qt::WindowShortcut);
        connect(action, &QAction::triggered, this, slot);
        menu->addAction(action);
        return action;
    };
    QMenu *file = menuBar()->addMenu(tr("&File"));
    make(file, u"exportMarkdown"_s, tr("Export as &Markdown…"), QKeySequence::Save,
         [this] { exportWithDialog(SessionExporter::Format::Markdown); });
    make(file, u"exportJson"_s, tr("Export as &JSON…"), QKeySequence(u"Ctrl+Shift+S"_s),
         [this] { exportWithDialog(SessionExporter::Format::Json); });
    file->addSeparator();
    make(file, u"settings"_s, tr("&Settings…"), QKeySequence(u"Ctrl+,"_s),
         [this] { openSettings(); });
    make(file, u"connectToServer"_s, tr("&Connect to server…"), {}, [this] { connectToServer(); });
    file->addSeparator();
    make(file, u"quit"_s, tr("&Quit"), QKeySequence::Quit, [this] { close(); });

    QMenu *session = menuBar()->addMenu(tr("&Session"));
    session->setToolTipsVisible(true); // why an action is off, on a remote server
    make(session, u"endSession"_s, tr("&End live session…"), QKeySequence(u"Ctrl+E"_s),
         [this] { endSelectedSession(); });
    make(session, u"deleteSession"_s, tr("&Delete session…"), QKeySequence::Delete,
         [this] { deleteSelectedSession(); });
    make(session, u"renameSession"_s, tr("&Rename session"), QKeySequence(Qt::Key_F2),
         [this] { renameSelectedSession(); });
    session->addSeparator();
    make(session, u"copySessionId"_s, tr("Copy session &id"), QKeySequence(u"Ctrl+Shift+C"_s),
         [this] { copySelectedSessionId(); });
    make(session, u"copyUserId"_s, tr("Copy &user id"), QKeySequence(u"Ctrl+Shift+U"_s),
         [this] { copySelectedUserId(); });

    // The same actions on a right click in the table.
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    for (const char *name : {"endSession", "deleteSession", "renameSession", "exportMarkdown",
                             "exportJson", "copySessionId", "copyUserId"})
        m_table->addAction(action(QString::fromLatin1(name)));

    QMenu *view = menuBar()->addMenu(tr("&View"));
    make(view, u"focusSearch"_s, tr("&Search transcripts"), QKeySequence(u"Ctrl+K"_s), [this] {
        m_search->field()->setFocus(Qt::ShortcutFocusReason);
        m_search->field()->selectAll();
    });
    make(view, u"focusFilter"_s, tr("&Filter sessions"), QKeySequence::Find, [this] {
        m_userFilter->setFocus(Qt::ShortcutFocusReason);
        m_userFilter->selectAll();
    });
    make(view, u"focusSessions"_s, tr("Go to &sessions"), QKeySequence(u"Ctrl+1"_s),
         [this] { m_table->setFocus(Qt::ShortcutFocusReason); });
    make(view, u"focusTranscript"_s, tr("Go to &transcript"), QKeySequence(u"Ctrl+2"_s),
         [this] { m_detail->transcript()->setFocus(Qt::ShortcutFocusReason); });
    make(view, u"reload"_s, tr("&Reload sessions"), QKeySequence::Refresh,
         [this] { reloadSessions(); });
    QAction *showLog = findChild<QDockWidget *>(u"logDock"_s)->toggleViewAction();
    showLog->setObjectName(u"showLog"_s);
    showLog->setShortcut(QKeySequence(u"Ctrl+L"_s));
    view->addAction(showLog);
    QAction *showCharts = findChild<QDockWidget *>(u"chartsDock"_s)->toggleViewAction();
    showCharts->setObjectName(u"showCharts"_s);
    showCharts->setShortcut(QKeySequence(u"Ctrl+G"_s));
    view->addAction(showCharts);

    QMenu *server = menuBar()->addMenu(tr("Se&rver"));
    make(server, u"startServer"_s, tr("&Start"), QKeySequence(u"Ctrl+R"_s),
         [this] { startServer(); });
    make(server, u"stopServer"_s, tr("S&top"), QKeySequence(u"Ctrl+Shift+R"_s),
         [this] { stopServer(); });
    make(server, u"openWebClient"_s, tr("&Open web client"), QKeySequence(u"Ctrl+O"_s), [this] {
        if (m_backend && m_backend->url().isValid())
            QDesktopServices::openUrl(m_backend->url());
    });
}

void MainWindow::showLlm() {
    if (!m_backend) {
        m_panel->setLlm(tr("chosen when the server starts"));
        return;
    }
    const Readiness *readiness = m_backend->readiness();
    const QString problem = readiness->problem(Readiness::Part::Llm);
    const QStringList reasons = readiness->reasons();
    const auto llmReason = std::find_if(reasons.begin(), reasons.end(),
                                        [](const QString &r) { return r.startsWith(u"llm: "_s); });
    const QString details = llmReason == reasons.end() ? QString() : llmReason->mid(5);
    const QString description = m_backend->llmDescription();
    if (const LocalModel *local = m_backend->localModel()) {
        m_panel->setLlm(tr("%1 · %2").arg(description, LocalModel::stateName(local->state())),
                        details, local->state() == LocalModel::State::Failed);
        return;
    }
    // Not configured, or the last check of the endpoint failed; not while the first one runs.
    const std::optional<Readiness::Check> check = readiness->lastCheck(Readiness::Part::Llm);
    const bool warning =
        !problem.isEmpty() &&
        (m_backend->config().llmSource == Config::LlmSource::None || (check && !check->passed));
    m_panel->setLlm(warning && check ? tr("%1 · unavailable").arg(description) : description,
                    details, warning);
}

void MainWindow::startServer() {
    if (m_backend)
        return;
    m_backend = m_serverFactory(m_config, this);
    applyPrices();
    connectServer();
    m_panel->setStatusText(tr("starting…"));
    showLlm();
    connect(m_backend->readiness(), &Readiness::changed, this, &MainWindow::showLlm);
    if (LocalModel *local = m_backend->localModel()) {
        connect(local, &LocalModel::stateChanged, this,
                [this](LocalModel::State state, const QString &reason) {
                    if (state == LocalModel::State::Failed)
                        showMessage(tr("The local model failed: %1").arg(reason));
                });
    }
    m_detail->setArchive(m_backend->archive());
    m_search->setArchive(m_backend->archive());
    m_backend->start();
    updateActions();
}

void MainWindow::connectServer() {
    ConsoleServer *backend = m_backend;
    connect(backend, &ConsoleServer::started, this, &MainWindow::onStarted);
    connect(backend, &ConsoleServer::startFailed, this, [this, backend](const QString &message) {
        m_panel->setRunning(false, {});
        m_panel->setStatusText(tr("not running: %1").arg(message));
        showMessage(message);
        backend->deleteLater();
        m_backend = nullptr;
        updateActions();
    });
    connect(backend, &ConsoleServer::stopped, this, [this, backend] {
        // No row stays highlighted over an empty detail pane; the next start selects it again.
        if (const QUuid selected = selectedSessionId(); !selected.isNull())
            m_reselect = selected;
        m_table->selectionModel()->clear();
        m_detail->clearSession();
        m_search->setArchive(nullptr);
        m_monitor->detachAll();
        m_sampler->setSource(nullptr);
        m_panel->setRunning(false, {});
        m_panel->setUptime(-1);
        m_panel->setClients(0);
        backend->deleteLater();
        if (m_backend == backend)
            m_backend = nullptr;
        updateActions();
        Q_EMIT serverStopped();
        if (m_closing) {
            close();
            return;
        }
        if (m_pendingRestart) {
            m_config = *std::exchange(m_pendingRestart, std::nullopt);
            startServer();
        }
    });
    connect(backend, &ConsoleServer::sessionOpened, this,
            [this](const QUuid &id, const QString &userId, ConversationFeed *conversation) {
                const bool known = m_model->rowOf(id) >= 0;
                m_monitor->attach(id, userId, conversation);
                loadBaseUsage(id);
                if (known || !m_backend)
                    return;
                // A session resumed from before what is loaded: its stored start and counts.
                whenFinished(
                    this, m_backend->archive()->session(id),
                    [this](const std::optional<Session> &stored) {
                        if (stored)
                            m_model->addSessions({*stored});
                    },
                    [this](const QString &error) {
                        showMessage(tr("Session could not be read: %1").arg(error));
                    });
            });
    connect(backend, &ConsoleServer::sessionClosed, m_monitor, &SessionMonitor::detach);
    connect(backend, &ConsoleServer::connectionCountChanged, m_panel, &ServerPanel::setClients);
    connect(backend, &ConsoleServer::errorOccurred, this, &MainWindow::showMessage);
    if (SummaryScheduler *summaries = backend->summaries()) {
        connect(summaries, &SummaryScheduler::summaryStored, this,
                [this](const QUuid &id, const QString &summary) {
                    m_model->setSummary(id, summary);
                    m_detail->setSummary(id, summary);
                });
    }
    SessionArchive *archive = backend->archive();
    connect(archive, &SessionArchive::healthChanged, this,
            [this, archive](bool healthy, const QString &reason) {
                m_panel->setDatabase(archive->backendName(), healthy, reason);
            });
}

void MainWindow::onStarted(const QUrl &url) {
    m_uptime.start();
    m_sampler->setSource(m_backend->metrics());
    m_panel->setRunning(true, url);
    m_panel->setDatabase(m_backend->archive()->backendName(), m_backend->archive()->isHealthy(),
                         {});
    showMessage(m_remote.isEmpty() ? tr("Serving on %1").arg(url.toString())
                                   : tr("Attached to %1").arg(url.toString()));
    reloadSessions();
    refreshPanel();
    updateActions();
    Q_EMIT serverStarted(url);
}

void MainWindow::stopServer() {
    if (!m_backend || m_backend->state() != ConsoleServer::State::Running)
        return;
    m_panel->setStatusText(tr("stopping…"));
    m_backend->stop();
    updateActions();
}

void MainWindow::restartServer(const Config &config) {
    if (!m_backend) {
        m_config = config;
        showLlm();
        startServer();
        return;
    }
    m_pendingRestart = config;
    stopServer();
}

void MainWindow::reloadSessions() {
    ++m_pageGeneration;
    m_pageLoading = false;
    QUuid selected = selectedSessionId();
    if (selected.isNull())
        selected = std::exchange(m_reselect, {});
    // Live rows stay: they are kept current by signals, not by the database.
    QList<QPair<QUuid, QString>> live;
    if (m_backend) {
        for (const QUuid &id : m_backend->sessionIds())
            live.append({id, m_backend->sessionUserId(id)});
    }
    m_detail->clearSession();
    m_monitor->detachAll();
    m_model->clear();
    if (m_backend) {
        for (const auto &[id, user] : std::as_const(live)) {
            if (ConversationFeed *conversation = m_backend->conversation(id)) {
                m_monitor->attach(id, user, conversation);
                loadBaseUsage(id);
            }
        }
    }
    m_nextBefore = QDateTime();
    loadNextPage();
    if (!selected.isNull())
        connect(
            this, &MainWindow::pageLoaded, this, [this, selected] { selectSession(selected); },
            Qt::SingleShotConnection);
}

void MainWindow::loadNextPage() {
    if (!m_backend || m_backend->state() != ConsoleServer::State::Running || m_pageLoading)
        return;
    const bool first = m_model->rowCount() == 0 || !m_nextBefore.isValid();
    if (!first && !m_nextBefore.isValid())
        return;
    SessionQuery query;
    query.limit = PageSize;
    query.before = m_nextBefore;
    m_pageLoading = true;
    m_loadMore->setEnabled(false);
    const quint64 generation = m_pageGeneration;
    whenFinished(
        this, m_backend->archive()->sessions(query),
        [this, generation](const SessionPage &page) {
            if (generation != m_pageGeneration)
                return;
            m_pageLoading = false;
            m_model->addSessions(page.sessions);
            loadStoredUsage(page.sessions);
            m_nextBefore = page.nextBefore;
            m_loadMore->setEnabled(m_nextBefore.isValid());
            m_loadMore->setText(m_nextBefore.isValid() ? tr("Load older sessions")
                                                       : tr("All sessions loaded"));
            Q_EMIT pageLoaded(int(page.sessions.size()));
        },
        [this, generation](const QString &error) {
            if (generation != m_pageGeneration)
                return;
            m_pageLoading = false;
            m_loadMore->setEnabled(true);
            showMessage(tr("Sessions could not be read: %1").arg(error));
        });
}

void MainWindow::syncColumnActions() {
    for (QAction *toggle : m_table->horizontalHeader()->actions()) {
        const int column = toggle->objectName().mid(10).toInt();
        const QSignalBlocker quiet(toggle);
        toggle->setChecked(!m_table->isColumnHidden(column));
    }
}

void MainWindow::applyPrices() {
    // The loader checked the text; a Config made by hand (tests) may hold anything.
    QString error;
    const std::optional<ModelPrices> prices = ModelPrices::parse(m_config.llmPrices, &error);
    if (!prices)
        qCWarning(lcUi) << "no cost estimates:" << error;
    m_model->setPrices(prices.value_or(ModelPrices{}));
}

void MainWindow::loadStoredUsage(const QList<Session> &sessions) {
    if (!m_backend || sessions.isEmpty())
        return;
    QList<QUuid> ids;
    for (const Session &session : sessions)
        ids << session.id;
    const quint64 generation = m_pageGeneration;
    whenFinished(
        this, m_backend->archive()->sessionUsage(ids),
        [this, generation](const QHash<QUuid, SessionUsage> &usage) {
            if (generation == m_pageGeneration)
                m_model->setStoredUsage(usage);
        },
        [this](const QString &error) {
            showMessage(tr("The sessions' usage could not be read: %1").arg(error));
        });
}

// Read when the console attaches to a live session, before any of the turns it will count
// live can be stored, so that none is counted twice.
void MainWindow::loadBaseUsage(const QUuid &sessionId) {
    if (!m_backend)
        return;
    const quint64 generation = m_pageGeneration;
    whenFinished(
        this, m_backend->archive()->sessionUsage({sessionId}),
        [this, generation, sessionId](const QHash<QUuid, SessionUsage> &usage) {
            const auto stored = usage.constFind(sessionId);
            if (generation == m_pageGeneration && stored != usage.constEnd())
                m_model->setBaseUsage(sessionId, *stored);
        },
        [this](const QString &error) {
            showMessage(tr("The session's usage could not be read: %1").arg(error));
        });
}

QUuid MainWindow::selectedSessionId() const {
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    return current.isValid() ? current.data(SessionTableModel::SessionIdRole).toUuid() : QUuid();
}

void MainWindow::openFoundSession(const Session &session) {
    if (m_model->rowOf(session.id) < 0)
        m_model->addSessions({session}); // older than the pages loaded so far
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(m_model->rowOf(session.id), 0));
    if (!index.isValid()) { // hidden by the filters: show every session again
        m_userFilter->clear();
        m_statusFilter->setCurrentIndex(0);
    }
    selectSession(session.id);
}

void MainWindow::selectSession(const QUuid &sessionId) {
    const int row = m_model->rowOf(sessionId);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return;
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                          QItemSelectionModel::Rows);
    m_table->scrollTo(index);
}

void MainWindow::onSelectionChanged() {
    const QUuid id = selectedSessionId();
    if (id == m_detail->sessionId()) {
        updateActions();
        return;
    }
    const int row = m_model->rowOf(id);
    if (row < 0)
        m_detail->clearSession();
    else
        m_detail->showSession(m_model->session(row));
    updateActions();
}

bool MainWindow::endSelectedSession() {
    const QUuid id = selectedSessionId();
    if (id.isNull() || !m_backend)
        return false;
    if (const QString refusal = m_backend->controlRefusal(); !refusal.isEmpty()) {
        showMessage(tr("Session %1 was not ended: %2.").arg(Ids::toText(id), refusal));
        return false;
    }
    // Ending cuts the client off, mid-reply maybe, and cannot be undone: ask, as Delete does.
    if (m_confirm &&
        QMessageBox::question(this, tr("End session"),
                              tr("End live session %1? Its client is disconnected, a reply in "
                                 "progress is stopped, and the session is summarized.")
                                  .arg(Ids::toText(id)),
                              QMessageBox::Yes | QMessageBox::Cancel,
                              QMessageBox::Cancel) != QMessageBox::Yes)
        return false;
    if (!m_backend->endSession(id)) {
        showMessage(tr("Session %1 is not live.").arg(Ids::toText(id)));
        return false;
    }
    showMessage(tr("Session %1 ended; its client was disconnected.").arg(Ids::toText(id)));
    return true;
}

void MainWindow::deleteSelectedSession() {
    const QUuid id = selectedSessionId();
    if (id.isNull() || !m_backend || !m_remote.isEmpty())
        return;
    if (m_confirm &&
        QMessageBox::question(
            this, tr("Delete session"),
            tr("Delete session %1 and all its events? This cannot be undone.").arg(Ids::toText(id)),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) != QMessageBox::Yes)
        return;
    const std::optional<QFuture<bool>> removal = m_backend->deleteSession(id);
    if (!removal) {
        showMessage(tr("Session %1 is live; end it before deleting it.").arg(Ids::toText(id)));
        return;
    }
    whenFinished(
        this, *removal,
        [this, id](bool deleted) {
            if (m_detail->sessionId() == id)
                m_detail->clearSession();
            m_model->removeSession(id);
            showMessage(deleted ? tr("Session %1 deleted.").arg(Ids::toText(id))
                                : tr("Session %1 was already gone.").arg(Ids::toText(id)));
            Q_EMIT sessionDeleted(id);
        },
        [this](const QString &error) {
            showMessage(tr("The session could not be deleted: %1").arg(error));
        });
}

void MainWindow::renameSelectedSession() {
    const int row = m_model->rowOf(selectedSessionId());
    if (row < 0)
        return;
    const QModelIndex title =
        m_proxy->mapFromSource(m_model->index(row, SessionTableModel::TitleColumn));
    m_table->setCurrentIndex(title);
    m_table->edit(title);
}

void MainWindow::renameSession(const QUuid &id, const QString &title) {
    if (!m_backend) {
        showMessage(tr("Start the server to rename sessions."));
        return;
    }
    // Also a title edited in the table: a read-only remote server is not asked.
    if (const QString refusal = m_backend->controlRefusal(); !refusal.isEmpty()) {
        showMessage(tr("The session was not renamed: %1.").arg(refusal));
        return;
    }
    QString problem;
    const QString checked = SessionTitle::fromUser(title, &problem);
    if (checked.isNull()) {
        showMessage(tr("The session was not renamed: %1.").arg(problem));
        return;
    }
    whenFinished(
        this, m_backend->archive()->renameSession(id, checked),
        [this, id, checked](bool renamed) {
            if (!renamed) {
                showMessage(tr("Session %1 is gone.").arg(Ids::toText(id)));
                return;
            }
            m_model->setTitle(id, checked, SessionTitle::kFromUser);
            showMessage(tr("Session renamed “%1”.").arg(checked));
        },
        [this](const QString &error) {
            showMessage(tr("The session could not be renamed: %1").arg(error));
        });
}

bool MainWindow::exportSelectedSession(SessionExporter::Format format, const QString &path) {
    if (m_detail->sessionId().isNull() || m_detail->isLoading()) {
        showMessage(tr("Select a session (and wait for it to load) before exporting it."));
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        file.write(
            SessionExporter::exportSession(format, m_detail->session(), m_detail->events())) < 0) {
        showMessage(tr("Cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    showMessage(tr("Exported to %1").arg(path));
    return true;
}

void MainWindow::exportWithDialog(SessionExporter::Format format) {
    if (m_detail->sessionId().isNull())
        return;
    const bool markdown = format == SessionExporter::Format::Markdown;
    const QString path = QFileDialog::getSaveFileName(
        this, markdown ? tr("Export as Markdown") : tr("Export as JSON"),
        SessionExporter::suggestedFileName(m_detail->session(), format),
        markdown ? tr("Markdown (*.md)") : tr("JSON (*.json)"));
    if (!path.isEmpty())
        exportSelectedSession(format, path);
}

void MainWindow::copySelectedSessionId() {
    const QUuid id = selectedSessionId();
    if (!id.isNull())
        QGuiApplication::clipboard()->setText(Ids::toText(id));
}

void MainWindow::copySelectedUserId() {
    const int row = m_model->rowOf(selectedSessionId());
    if (row >= 0)
        QGuiApplication::clipboard()->setText(m_model->session(row).userId);
}

void MainWindow::connectToServer() {
    auto *dialog = new ConnectDialog(this);
    dialog->setObjectName(u"connectDialog"_s);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        // The console's own settings (prices) apply; its state file is this window's alone.
        Config config = m_config;
        config.configFile.clear();
        auto *window = new MainWindow(
            config, RemoteConsoleServer::factory(dialog->url(), dialog->token()), this);
        window->setObjectName(u"remoteConsole"_s);
        window->setAttribute(Qt::WA_DeleteOnClose);
        window->setConfirmationsEnabled(m_confirm);
        window->setRemote(dialog->url());
        window->show();
        window->startServer();
    });
    dialog->open();
}

void MainWindow::setRemote(const QUrl &address) {
    m_remote = address;
    setWindowTitle(tr("Realtime AI — console · %1").arg(address.authority()));
    const QString embeddedOnly =
        tr("Not for a remote server: it is configured, started and stopped on its host");
    action(u"settings"_s)->setVisible(false);
    // The admin API has no log, and this console's lines are the first window's.
    auto *logDock = findChild<QDockWidget *>(u"logDock"_s);
    logDock->hide();
    logDock->toggleViewAction()->setEnabled(false);
    logDock->toggleViewAction()->setToolTip(tr("A remote server's log stays on its host"));
    action(u"startServer"_s)->setText(tr("&Connect again"));
    action(u"stopServer"_s)->setText(tr("&Disconnect"));
    m_panel->startStopButton()->hide();
    m_panel->llmSettingsButton()->setEnabled(false);
    m_panel->llmSettingsButton()->setToolTip(embeddedOnly);
    action(u"deleteSession"_s)
        ->setToolTip(tr("Not from a remote console: sessions are deleted on the server's host "
                        "or by their user"));
    updateActions();
}

void MainWindow::openSettings() {
    if (!m_remote.isEmpty())
        return;
    SettingsDialog dialog(m_config, this);
    if (dialog.exec() != QDialog::Accepted || !m_reloader)
        return;
    QStringList errors;
    const std::optional<Config> reloaded = m_reloader(&errors);
    if (!reloaded) {
        QMessageBox::warning(this, tr("Settings"),
                             tr("The settings were saved, but the configuration cannot be "
                                "used:\n%1")
                                 .arg(errors.join(u'\n')));
        return;
    }
    if (!SettingsDialog::requiresRestart(m_config, *reloaded)) {
        showMessage(tr("Settings saved."));
        return;
    }
    if (!m_backend) {
        m_config = *reloaded;
        showLlm();
        showMessage(tr("Settings saved; they apply when the server starts."));
        return;
    }
    const int live = m_monitor->liveCount();
    const QString question =
        live > 0 ? tr("The new settings need a server restart. %n live session(s) will be "
                      "ended (their clients can reconnect and resume). Restart now?",
                      nullptr, live)
                 : tr("The new settings need a server restart. Restart now?");
    if (QMessageBox::question(this, tr("Restart server"), question,
                              QMessageBox::Yes | QMessageBox::No,
                              QMessageBox::Yes) == QMessageBox::Yes) {
        restartServer(*reloaded);
    } else {
        m_pendingRestart.reset();
        showMessage(tr("Settings saved; they apply at the next server start."));
        m_config = *reloaded;
    }
}

void MainWindow::refreshPanel() {
    m_model->refreshDurations();
    m_panel->setSessions(m_monitor->liveCount());
    m_panel->setTurnsPerMinute(m_monitor->turnsLastMinute());
    const bool running = m_backend && m_backend->state() == ConsoleServer::State::Running;
    m_panel->setUptime(running ? m_uptime.elapsed() / 1000 : -1);
    if (running)
        m_panel->setClients(m_backend->connectionCount());
    if (m_backend)
        showLlm(); // the age of the last LLM check
}

void MainWindow::updateActions() {
    const bool running = m_backend && m_backend->state() == ConsoleServer::State::Running;
    const QUuid id = selectedSessionId();
    const bool selected = !id.isNull();
    const bool live = selected && m_monitor->conversation(id);
    action(u"startServer"_s)->setEnabled(!m_backend);
    action(u"stopServer"_s)->setEnabled(running);
    action(u"openWebClient"_s)->setEnabled(running);
    // A remote server may refuse both (read-only); the tooltip says why.
    const QString refusal = m_backend ? m_backend->controlRefusal() : QString();
    action(u"endSession"_s)->setEnabled(running && live && refusal.isEmpty());
    action(u"endSession"_s)->setToolTip(refusal);
    action(u"deleteSession"_s)->setEnabled(running && selected && !live && m_remote.isEmpty());
    action(u"renameSession"_s)->setEnabled(running && selected && refusal.isEmpty());
    action(u"renameSession"_s)->setToolTip(refusal);
    action(u"exportMarkdown"_s)->setEnabled(selected);
    action(u"exportJson"_s)->setEnabled(selected);
    action(u"copySessionId"_s)->setEnabled(selected);
    action(u"copyUserId"_s)->setEnabled(selected);
    action(u"reload"_s)->setEnabled(running);
    m_panel->startStopButton()->setEnabled(!m_backend || running);
    m_loadMore->setEnabled(running && m_nextBefore.isValid() && !m_pageLoading);
}

void MainWindow::showMessage(const QString &message) {
    statusBar()->showMessage(message, 10000);
}

void MainWindow::saveState() const {
    if (m_stateFile.isEmpty())
        return;
    QSettings state(m_stateFile, QSettings::IniFormat);
    state.setValue(u"window/geometry"_s, saveGeometry());
    state.setValue(u"window/state"_s, QMainWindow::saveState());
    state.setValue(u"window/main_splitter"_s, m_splitter->saveState());
    state.setValue(u"window/detail_splitter"_s, m_detail->splitter()->saveState());
    state.setValue(u"window/session_columns"_s, m_table->horizontalHeader()->saveState());
}

void MainWindow::restoreState() {
    if (m_stateFile.isEmpty())
        return;
    const QSettings state(m_stateFile, QSettings::IniFormat);
    if (state.contains(u"window/geometry"_s))
        restoreGeometry(state.value(u"window/geometry"_s).toByteArray());
    QMainWindow::restoreState(state.value(u"window/state"_s).toByteArray());
    m_splitter->restoreState(state.value(u"window/main_splitter"_s).toByteArray());
    m_detail->splitter()->restoreState(state.value(u"window/detail_splitter"_s).toByteArray());
    if (state.contains(u"window/session_columns"_s))
        m_table->horizontalHeader()->restoreState(
            state.value(u"window/session_columns"_s).toByteArray());
    syncColumnActions();
}

void MainWindow::closeEvent(QCloseEvent *event) {
    saveState();
    if (!m_backend) {
        event->accept();
        return;
    }
    // Stop gracefully (partial replies stored, clients told 1001), then close.
    event->ignore();
    if (m_closing)
        return;
    m_closing = true;
    m_pendingRestart.reset();
    if (m_backend->state() == ConsoleServer::State::Running)
        m_backend->stop();
    QTimer::singleShot(StopDeadlineMs, this, [this] {
        if (m_backend) {
            qCWarning(lcUi) << "the server did not stop in time; closing anyway";
            delete m_backend;
        }
        close();
    });
}
