// The console attached to a second, real `realtime-ai --server` process (offscreen): File ▸
// Connect to server… with a bad address, a wrong token and the admin token. The remote window is
// a MainWindow like the local one: its session table lists the remote's stored sessions, the
// detail pane shows a live turn as it streams, the search finds a remote session, the charts
// sample the remote's turns; End session is off on a read-only server, and End and Rename work
// on one that allows remote control.

#include "core/Ids.h"
#include "core/MetricsRegistry.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/TestEnvironment.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"
#include "ui/ConnectDialog.h"
#include "ui/EventLogModel.h"
#include "ui/MainWindow.h"
#include "ui/MetricSeries.h"
#include "ui/MetricsSampler.h"
#include "ui/ServerPanel.h"
#include "ui/SessionDetailWidget.h"
#include "ui/SessionMonitor.h"
#include "ui/SessionSearchPane.h"
#include "ui/SessionTableModel.h"
#include "ui/TranscriptView.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace Qt::StringLiterals;

namespace {
const QString kToken = u"remote-attach-token"_s;
const QList<QPair<QByteArray, QByteArray>> kAuth{
    {QByteArrayLiteral("Authorization"), "Bearer " + kToken.toUtf8()}};
} // namespace

class TestRemoteAttach : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    MockLlmProcess m_mock;
    ServerProcess m_server;
    std::unique_ptr<MainWindow> m_window;
    QUuid m_stored; // a session of the remote server, ended before the console attached

    // Connect to server… with these fields; the dialog, still open when it refused them.
    ConnectDialog *connectWith(const QString &url, const QString &token) {
        m_window->action(u"connectToServer"_s)->trigger();
        auto *dialog = m_window->findChild<ConnectDialog *>(u"connectDialog"_s);
        if (!dialog)
            return nullptr;
        dialog->setUrl(url);
        dialog->setToken(token);
        dialog->accept();
        return dialog;
    }
    // A `realtime-ai --server` with the admin token, its database NAME.db in the test's
    // directory; remote control only when asked.
    bool startServer(ServerProcess &server, const QString &name, bool remoteControl = false) {
        QProcessEnvironment environment;
        environment.insert(u"RTAI_API_TOKEN"_s, kToken);
        if (remoteControl)
            environment.insert(u"RTAI_ADMIN_ALLOW_REMOTE_CONTROL"_s, u"true"_s);
        server.setLogName(u"tst_remoteattach-"_s + name);
        const bool started = server.start(
            {u"--database-url"_s, u"sqlite://"_s + m_dir.filePath(name + u".db"_s), u"--data-dir"_s,
             m_dir.filePath(name), u"--llm-base-url"_s, m_mock.baseUrl().toString()},
            environment);
        if (!started)
            qWarning().noquote() << server.log();
        return started;
    }
    MainWindow *remoteWindow() const {
        return m_window->findChild<MainWindow *>(u"remoteConsole"_s);
    }
    // The remote window attached to `server`, or nullptr after a failure (QVERIFY says which).
    MainWindow *attachTo(const ServerProcess &server) {
        connectWith(server.url().toString(), kToken);
        MainWindow *window = remoteWindow();
        if (!window)
            return nullptr;
        QSignalSpy pages(window, &MainWindow::pageLoaded);
        if (!QTest::qWaitFor([window] { return window->serverPanel()->isRunning(); }, 10000) ||
            (pages.isEmpty() && !pages.wait(10000)))
            return nullptr;
        return window;
    }
    static QString cell(MainWindow *window, const QUuid &id, int column) {
        const int row = window->sessionModel()->rowOf(id);
        return row < 0 ? QString() : window->sessionModel()->index(row, column).data().toString();
    }
    static QString turn(WsTestClient &chat, const QString &text) {
        chat.sendText(text);
        return WsTestClient::contentOf(chat.waitForTurn());
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_mock.start({u"--token-delay-ms"_s, u"5"_s}));
        QVERIFY(startServer(m_server, u"server"_s));
        // A conversation held and ended before any console looked.
        m_stored = QUuid::createUuid();
        WsTestClient chat;
        QVERIFY(chat.open(
            WsTestClient::sessionUrl(m_server.url(), Ids::toText(m_stored), u"stella"_s), kAuth));
        QCOMPARE(chat.waitFor(u"session"_s).value(u"session_id"_s).toString(),
                 Ids::toText(m_stored));
        QCOMPARE(turn(chat, u"tell me about zanzibar"_s),
                 u"You said: \"tell me about zanzibar\". I noted that."_s);
        chat.close();
        QVERIFY(chat.waitForClosed());

        m_window = std::make_unique<MainWindow>(
            Config(), [](const Config &, QObject *) -> ConsoleServer * { return nullptr; });
        m_window->setConfirmationsEnabled(false);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    // A test that failed half-way leaves no remote window to the next.
    void cleanup() {
        for (MainWindow *window : m_window->findChildren<MainWindow *>())
            window->close();
        QTRY_VERIFY_WITH_TIMEOUT(!remoteWindow(), 10000);
    }

    void badAddressIsRefusedInTheDialog() {
        ConnectDialog *dialog = connectWith(u"ftp://example.com"_s, kToken);
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        auto *problem = dialog->findChild<QLabel *>(u"connectProblem"_s);
        QVERIFY(problem->isVisible());
        QVERIFY2(problem->text().contains(u"http://"_s), qPrintable(problem->text()));
        QVERIFY(!remoteWindow());
        dialog->close();
        QTRY_VERIFY(!m_window->findChild<ConnectDialog *>(u"connectDialog"_s));
    }

    void wrongTokenSaysSo() {
        connectWith(m_server.url().toString(), u"not-the-token"_s);
        MainWindow *window = remoteWindow();
        QVERIFY(window);
        QTRY_VERIFY_WITH_TIMEOUT(window->serverPanel()->urlLabel()->text().contains(u"401"_s),
                                 10000);
        QVERIFY(!window->backend());
        QVERIFY(!window->serverPanel()->isRunning());
        QCOMPARE(window->sessionModel()->rowCount(), 0);
    }

    // The widgets of the local console, showing the remote server: its stored sessions, a live
    // turn, the search and the charts. A read-only server: End and Rename are off, saying why.
    void remoteWindowShowsTheRemoteServer() {
        MainWindow *window = attachTo(m_server);
        QVERIFY(window);
        const QString address = m_server.url().authority();
        QVERIFY2(window->windowTitle().contains(address), qPrintable(window->windowTitle()));
        QVERIFY(window->serverPanel()->llmLabel()->text().contains(
            u"127.0.0.1:%1"_s.arg(m_mock.port())));
        QVERIFY(!window->action(u"settings"_s)->isVisible());
        // No log pane: the server's log is not served, and this console's is the first window's.
        const auto *logDock = window->findChild<QDockWidget *>(u"logDock"_s);
        QVERIFY(logDock && !logDock->isVisible() && !logDock->toggleViewAction()->isEnabled());
        QVERIFY(m_window->findChild<QDockWidget *>(u"logDock"_s)->isVisible());
        QVERIFY(!window->serverPanel()->startStopButton()->isVisible());

        // The stored session, in the same table, its usage unknown ("—": no REST route has it).
        QVERIFY(window->sessionModel()->rowOf(m_stored) >= 0);
        QCOMPARE(cell(window, m_stored, SessionTableModel::UserColumn), u"stella"_s);
        const QJsonObject stored =
            TestHttp::get(
                m_server.url().resolved(QUrl(u"/api/sessions/"_s + Ids::toText(m_stored))), kAuth)
                .json();
        QVERIFY(!stored.value(u"title"_s).toString().isEmpty());
        QCOMPARE(cell(window, m_stored, SessionTableModel::TitleColumn),
                 stored.value(u"title"_s).toString());
        QCOMPARE(cell(window, m_stored, SessionTableModel::MessagesColumn), u"2"_s);
        QCOMPARE(cell(window, m_stored, SessionTableModel::TokensColumn), u"—"_s);
        QSignalSpy loaded(window->detail(), &SessionDetailWidget::loaded);
        window->selectSession(m_stored);
        QVERIFY(loaded.wait(10000));
        QVERIFY2(window->detail()->transcript()->toPlainText().contains(
                     u"You said: \"tell me about zanzibar\". I noted that."_s),
                 qPrintable(window->detail()->transcript()->toPlainText()));
        QVERIFY(!window->action(u"deleteSession"_s)->isEnabled());
        QVERIFY(!window->action(u"deleteSession"_s)->toolTip().isEmpty());
        QVERIFY(!window->action(u"renameSession"_s)->isEnabled());
        // Nor is a title edited in the table sent to a read-only server.
        window->renameSession(m_stored, u"Renamed anyway"_s);
        QVERIFY2(window->statusBar()->currentMessage().contains(u"read-only"_s),
                 qPrintable(window->statusBar()->currentMessage()));
        QCOMPARE(cell(window, m_stored, SessionTableModel::TitleColumn),
                 stored.value(u"title"_s).toString());

        // The search reads the remote's sessions.
        QSignalSpy searched(window->searchPane(), &SessionSearchPane::searched);
        window->searchPane()->field()->setText(u"zanzibar"_s);
        window->searchPane()->search();
        QVERIFY(searched.wait(10000));
        QCOMPARE(window->searchPane()->results()->topLevelItemCount(), 1);

        // A live session appears as it opens; its turn streams into the detail pane.
        const QUuid id = QUuid::createUuid();
        WsTestClient chat;
        QVERIFY(
            chat.open(WsTestClient::sessionUrl(m_server.url(), Ids::toText(id), u"remy"_s), kAuth));
        QCOMPARE(chat.waitFor(u"session"_s).value(u"session_id"_s).toString(), Ids::toText(id));
        QTRY_COMPARE_WITH_TIMEOUT(cell(window, id, SessionTableModel::StatusColumn), u"connected"_s,
                                  10000);
        QCOMPARE(cell(window, id, SessionTableModel::UserColumn), u"remy"_s);
        window->selectSession(id);
        QCOMPARE(window->detail()->sessionId(), id);
        QTRY_VERIFY(!window->detail()->isLoading());
        QAction *end = window->action(u"endSession"_s);
        QVERIFY(!end->isEnabled());
        QVERIFY2(end->toolTip().contains(u"read-only"_s), qPrintable(end->toolTip()));
        QVERIFY(!window->endSelectedSession());
        QVERIFY2(window->statusBar()->currentMessage().contains(u"read-only"_s),
                 qPrintable(window->statusBar()->currentMessage()));

        QCOMPARE(turn(chat, u"watch this remotely"_s),
                 u"You said: \"watch this remotely\". I noted that."_s);
        TranscriptView *transcript = window->detail()->transcript();
        QTRY_VERIFY2_WITH_TIMEOUT(transcript->toPlainText().contains(
                                      u"You said: \"watch this remotely\". I noted that."_s),
                                  qPrintable(transcript->toPlainText()), 10000);
        QVERIFY(transcript->toPlainText().contains(u"watch this remotely"_s));
        QTRY_COMPARE(cell(window, id, SessionTableModel::MessagesColumn), u"2"_s);
        QVERIFY(cell(window, id, SessionTableModel::TokensColumn).toInt() > 0);
        QStringList types;
        for (const Event &event : window->detail()->eventLog()->events())
            types << event.type;
        QVERIFY2(types.contains(EventType::UserMessage) &&
                     types.contains(EventType::AssistantMessage),
                 qPrintable(types.join(u", "_s)));

        // The charts: the turn the feed reported, and the remote's turn counter from its status.
        MetricsSampler *sampler = window->sampler();
        QTRY_VERIFY_WITH_TIMEOUT(sampler->series(MetricsSampler::TurnsPerMinute)->lastValue() >= 1,
                                 5000);
        const MetricsRegistry *metrics = window->backend()->metrics();
        QTRY_VERIFY_WITH_TIMEOUT(
            metrics->value(u"rtai_turns_total"_s, {{u"outcome"_s, u"stop"_s}}) >= 2, 10000);
        QVERIFY(metrics->value(u"rtai_tokens_streamed_total"_s) > 0);
        QVERIFY(window->grab().save(
            QDir(TestEnvironment::artifactsDir()).filePath(u"console-remote.png"_s)));

        chat.close();
        QTRY_VERIFY_WITH_TIMEOUT(
            cell(window, id, SessionTableModel::StatusColumn) != u"connected"_s, 10000);
        QCOMPARE(window->monitor()->liveCount(), 0);
    }

    // The remote server stops: the window says why and shows it stopped; Connect again then
    // fails with the reason, and the window stays usable.
    void aServerThatStopsIsShownStopped() {
        ServerProcess server;
        QVERIFY(startServer(server, u"stopping"_s));
        MainWindow *window = attachTo(server);
        QVERIFY(window);
        QSignalSpy stopped(window, &MainWindow::serverStopped);
        QSignalSpy shown(window->statusBar(), &QStatusBar::messageChanged);
        server.terminate();
        QVERIFY(server.waitForExit());
        QVERIFY(stopped.wait(10000) || !stopped.isEmpty());
        QVERIFY(!window->serverPanel()->isRunning());
        QVERIFY(!window->backend());
        // The status bar said why (it keeps a message 10 s: the spy saw it, however long the
        // server took to exit).
        QStringList said;
        for (const QList<QVariant> &message : std::as_const(shown))
            said << message.at(0).toString();
        QVERIFY2(said.join(u'\n').contains(u"The server closed the feed (1001)"_s),
                 qPrintable(said.join(u'\n')));
        QVERIFY(!window->action(u"endSession"_s)->isEnabled());

        window->action(u"startServer"_s)->trigger(); // Connect again: nothing listens there now
        QTRY_VERIFY_WITH_TIMEOUT(
            window->serverPanel()->urlLabel()->text().startsWith(u"not running: "_s), 10000);
        QVERIFY(!window->serverPanel()->isRunning());
        QVERIFY(window->action(u"startServer"_s)->isEnabled());
    }

    void endsAndRenamesWhereRemoteControlIsAllowed() {
        ServerProcess server;
        QVERIFY(startServer(server, u"control"_s, true));
        MainWindow *window = attachTo(server);
        QVERIFY(window);
        QCOMPARE(window->sessionModel()->rowCount(), 0);

        const QUuid id = QUuid::createUuid();
        WsTestClient chat;
        QVERIFY(
            chat.open(WsTestClient::sessionUrl(server.url(), Ids::toText(id), u"remy"_s), kAuth));
        QCOMPARE(chat.waitFor(u"session"_s).value(u"session_id"_s).toString(), Ids::toText(id));
        QTRY_COMPARE_WITH_TIMEOUT(cell(window, id, SessionTableModel::StatusColumn), u"connected"_s,
                                  10000);
        window->selectSession(id);
        QVERIFY(window->action(u"endSession"_s)->isEnabled());
        QVERIFY(window->action(u"renameSession"_s)->isEnabled());

        window->renameSession(id, u"Renamed from afar"_s);
        QTRY_COMPARE_WITH_TIMEOUT(cell(window, id, SessionTableModel::TitleColumn),
                                  u"Renamed from afar"_s, 10000);
        const TestHttp::Response stored = TestHttp::get(
            server.url().resolved(QUrl(u"/api/sessions/"_s + Ids::toText(id))), kAuth);
        QCOMPARE(stored.status, 200);
        QCOMPARE(stored.json().value(u"title"_s).toString(), u"Renamed from afar"_s);

        QVERIFY(window->endSelectedSession());
        QVERIFY(chat.waitForClosed());
        QCOMPARE(chat.closeCode(), 1000);
        QTRY_VERIFY_WITH_TIMEOUT(
            cell(window, id, SessionTableModel::StatusColumn) != u"connected"_s, 10000);
        QVERIFY(!window->action(u"endSession"_s)->isEnabled());
    }
};

QTEST_MAIN(TestRemoteAttach)
#include "tst_remoteattach.moc"
