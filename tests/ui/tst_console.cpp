#include "app/Backend.h"
#include "chat/Conversation.h"
#include "core/Ids.h"
#include "core/LogBuffer.h"
#include "core/LogCapture.h"
#include "core/Readiness.h"
#include "core/Timestamps.h"
#include "fixtures/ConsoleUnderTest.h"
#include "fixtures/FutureWait.h"
#include "fixtures/MockLlmRules.h"
#include "fixtures/MockLlmServer.h"
#include "fixtures/TestEnvironment.h"
#include "fixtures/WsTestClient.h"
#include "llm/LlmEndpointProbe.h"
#include "storage/Database.h"
#include "ui/EventLogModel.h"
#include "ui/LogModel.h"
#include "ui/LogPane.h"
#include "ui/MainWindow.h"
#include "ui/MetricSeries.h"
#include "ui/MetricsChartPane.h"
#include "ui/MetricsSampler.h"
#include "ui/ServerPanel.h"
#include "ui/SessionArchive.h"
#include "ui/SessionDetailWidget.h"
#include "ui/SessionFilterProxyModel.h"
#include "ui/SessionMonitor.h"
#include "ui/SessionTableModel.h"
#include "ui/TranscriptView.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSplitter>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {
constexpr int OldSessions = 130;
constexpr int TokenDelayMs = 40;
} // namespace

// The console driven by real sessions: an embedded Backend on a free port with a SQLite file,
// the mock LLM over real HTTP + SSE, and WebSocket clients.
class TestConsole : public QObject {
    Q_OBJECT

    MockLlmServer m_llm;
    LogBuffer m_log; // the program's log lines, as ConsoleLauncher captures them
    QTemporaryDir m_dir;
    Config m_config;
    std::unique_ptr<MainWindow> m_window;
    QUrl m_url;
    QUuid m_adaSession;

    SessionTableModel *model() const { return m_window->sessionModel(); }
    SessionDetailWidget *detail() const { return m_window->detail(); }

    QString cell(const QUuid &id, int column) const {
        const int row = model()->rowOf(id);
        return row < 0 ? QString() : model()->index(row, column).data().toString();
    }

    QStringList eventTypes() const {
        QStringList types;
        for (const Event &event : detail()->eventLog()->events())
            types << event.type;
        return types;
    }

    void screenshot(const QString &name, QWidget *window = nullptr) {
        const QString path = QDir(TestEnvironment::artifactsDir()).filePath(name);
        QVERIFY((window ? window : m_window.get())->grab().save(path));
        qInfo("screenshot: %s", qPrintable(path));
    }

    // Old sessions written straight to the database file before the console opens it.
    void seedDatabase() {
        Database database;
        QVERIFY(FutureWait::succeeded(database.open(m_config.databaseUrl), 20000));
        const QDateTime base = Timestamps::fromIso(u"2025-01-01T08:00:00Z"_s);
        for (int i = 0; i < OldSessions; ++i) {
            const QUuid id = Ids::newSessionId();
            const QDateTime start = base.addSecs(i * 60);
            database.createSession(id, u"old-%1"_s.arg(i), start);
            Event message = Event::make(id, EventType::UserMessage, u"old question %1"_s.arg(i));
            message.createdAt = start.addSecs(1);
            database.appendEvent(message);
            database.endSession(id, start.addSecs(30));
            database.setSummary(id, u"old-%1 asked an old question."_s.arg(i));
        }
        QVERIFY(FutureWait::succeeded(database.flush(), 30000));
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_llm.listen());
        m_llm.setResponder([](const MockLlmRequest &request) {
            return MockLlmRules::answer(request, TokenDelayMs);
        });
        m_config = ConsoleUnderTest::config(m_dir, m_llm.baseUrl());
        m_config.llmPrices = u"mock-model=1000:2000"_s; // dollars per million: cents per turn
        seedDatabase();

        LogCapture::install(&m_log);
        m_window = std::make_unique<MainWindow>(m_config, Backend::factory());
        m_window->setLogSource(&m_log);
        m_url = ConsoleUnderTest::start(*m_window);
        QVERIFY(!m_url.isEmpty());
    }

    void cleanupTestCase() {
        ConsoleUnderTest::stop(m_window);
        LogCapture::uninstall();
    }

    void serverPanelShowsTheServer() {
        ServerPanel *panel = m_window->serverPanel();
        QVERIFY(m_url.isValid());
        QVERIFY(m_url.port() > 0);
        QVERIFY(panel->isRunning());
        QCOMPARE(panel->url(), m_url);
        QVERIFY(panel->urlLabel()->text().contains(u"<a href=\"%1\">"_s.arg(m_url.toString())));
        QVERIFY(panel->llmLabel()->text().contains(u"mock-model"_s));
        QVERIFY(panel->llmLabel()->text().contains(u"127.0.0.1"_s));
        QVERIFY(panel->databaseLabel()->text().contains(u"sqlite"_s));
        QVERIFY(panel->databaseLabel()->text().contains(u"healthy"_s));
        QCOMPARE(panel->startStopButton()->text(), u"Stop server"_s);
        QTRY_VERIFY(panel->uptimeLabel()->text().startsWith(u"00:00:"_s));
    }

    void sessionsLoadInPagesNewestFirst() {
        QCOMPARE(model()->rowCount(), 100);
        QVERIFY(m_window->hasMorePages());
        SessionFilterProxyModel *proxy = m_window->sessionProxy();
        QCOMPARE(proxy->index(0, SessionTableModel::UserColumn).data().toString(),
                 u"old-%1"_s.arg(OldSessions - 1));
        QSignalSpy pages(m_window.get(), &MainWindow::pageLoaded);
        m_window->loadNextPage();
        QVERIFY(pages.count() > 0 || pages.wait(10000));
        QCOMPARE(model()->rowCount(), OldSessions);
        QVERIFY(!m_window->hasMorePages());
        QCOMPARE(proxy->index(OldSessions - 1, SessionTableModel::UserColumn).data().toString(),
                 u"old-0"_s);
        QCOMPARE(proxy->index(0, SessionTableModel::MessagesColumn).data().toInt(), 1);
        QCOMPARE(proxy->index(0, SessionTableModel::StatusColumn).data().toString(), u"ended"_s);
    }

    void liveSessionStreamsIntoTableAndTranscript() {
        m_adaSession = Ids::newSessionId();
        WsTestClient client;
        QVERIFY(client.open(WsTestClient::sessionUrl(m_url, Ids::toText(m_adaSession), u"ada"_s)));
        QCOMPARE(client.waitFor(u"session"_s).value(u"session_id"_s).toString(),
                 Ids::toText(m_adaSession));
        // The new session appears on top of the table, connected, without any reload.
        QTRY_COMPARE(cell(m_adaSession, SessionTableModel::StatusColumn), u"connected"_s);
        QCOMPARE(m_window->sessionProxy()->index(0, SessionTableModel::IdColumn).data().toString(),
                 Ids::toText(m_adaSession));
        QTRY_COMPARE(m_window->serverPanel()->clientsLabel()->text(), u"1"_s);
        QTRY_COMPARE(m_window->serverPanel()->sessionsLabel()->text(), u"1"_s);

        QSignalSpy loaded(detail(), &SessionDetailWidget::loaded);
        m_window->selectSession(m_adaSession);
        QVERIFY(loaded.count() > 0 || loaded.wait(10000));
        QCOMPARE(detail()->sessionId(), m_adaSession);

        // Whatever the transcript shows while the reply streams, before it is stored.
        QStringList whileStreaming;
        TranscriptView *transcript = detail()->transcript();
        QObject watcher; // disconnects when the test function returns, however it returns
        connect(transcript->document(), &QTextDocument::contentsChanged, &watcher, [&] {
            const QString text = transcript->toPlainText();
            if (text.contains(u"streaming…"_s))
                whileStreaming << text;
        });
        const int rendersBefore = transcript->renderCount();
        client.sendText(u"Hello, my name is Ada."_s);
        const QList<QJsonObject> turn = client.waitForTurn();
        QVERIFY(!turn.isEmpty());
        const QString reply = WsTestClient::contentOf(turn);
        QVERIFY(!reply.isEmpty());
        const int deltas = int(WsTestClient::typesOf(turn).count(u"content"_s));
        QVERIFY(deltas >= 3);

        QTRY_VERIFY(transcript->toPlainText().contains(reply.trimmed()));
        // Part of the reply was on screen before the whole of it.
        QVERIFY(std::any_of(whileStreaming.cbegin(), whileStreaming.cend(),
                            [&](const QString &text) { return !text.contains(reply.trimmed()); }));
        // Coalesced: never more tail renders than tokens.
        QVERIFY(transcript->renderCount() - rendersBefore <= deltas);
        QTRY_VERIFY(!transcript->toPlainText().contains(u"streaming…"_s));
        QCOMPARE(transcript->toPlainText().count(reply.trimmed()), 1);
        QVERIFY(transcript->toPlainText().contains(u"Hello, my name is Ada."_s));

        QTRY_COMPARE(eventTypes().count(EventType::AssistantMessage), 1);
        QCOMPARE(eventTypes().count(EventType::UserMessage), 1);
        const Event assistant = detail()->eventLog()->events().constLast();
        QCOMPARE(assistant.type, EventType::AssistantMessage);
        QCOMPARE(assistant.content, reply);
        const QModelIndex metadata = detail()->eventLog()->index(
            int(detail()->eventLog()->events().size()) - 1, EventLogModel::MetadataColumn);
        QVERIFY(metadata.data().toString().contains(u"\"finish_reason\":\"stop\""_s));

        QTRY_COMPARE(cell(m_adaSession, SessionTableModel::MessagesColumn), u"2"_s);
        QTRY_VERIFY(cell(m_adaSession, SessionTableModel::TokensColumn).toInt() > 0);
        QTRY_COMPARE(m_window->serverPanel()->turnsLabel()->text(), u"1"_s);

        // A tool call, shown inline with its arguments and result.
        client.sendText(u"Please ship 2 kg to Lisbon."_s);
        const QList<QJsonObject> toolTurn = client.waitForTurn();
        QVERIFY(WsTestClient::typesOf(toolTurn).contains(u"tool_start"_s));
        QTRY_VERIFY(eventTypes().contains(EventType::ToolResult));
        QTRY_COMPARE(eventTypes().count(EventType::AssistantMessage), 2);
        const QString text = transcript->toPlainText();
        const qsizetype call = text.indexOf(u"Tool call calculate_shipping"_s);
        const qsizetype result = text.indexOf(u"Tool result calculate_shipping"_s);
        QVERIFY2(call > 0, qPrintable(text));
        QVERIFY(result > call);
        const QJsonObject arguments = MockLlmRules::shippingArguments();
        QVERIFY(text.mid(call, result - call).contains(arguments.keys().constFirst()));
        QVERIFY(text.indexOf(WsTestClient::contentOf(toolTurn).trimmed().left(20)) > result);
        QTRY_COMPARE(cell(m_adaSession, SessionTableModel::MessagesColumn), u"4"_s);
        // The server's own log line for this session's connection, in the log pane.
        const LogModel *log = m_window->logPane()->model();
        const auto logged = [log, this] {
            for (int row = 0; row < log->rowCount(); ++row)
                if (log->line(row).category == u"rtai.server"_s &&
                    log->line(row).message.contains(Ids::toText(m_adaSession)))
                    return true;
            return false;
        };
        QTRY_VERIFY(logged());
        screenshot(u"console-live-session.png"_s); // transcript, tool lines and the log pane

        // Ending asks first (Ctrl+E is easy to hit); cancelled, the session goes on.
        m_window->setConfirmationsEnabled(true);
        QString question;
        QTimer::singleShot(0, m_window.get(), [&question] {
            for (QWidget *widget : QApplication::topLevelWidgets())
                if (auto *box = qobject_cast<QMessageBox *>(widget); box && box->isVisible()) {
                    question = box->text();
                    box->button(QMessageBox::Cancel)->click();
                }
        });
        QVERIFY(!m_window->endSelectedSession());
        m_window->setConfirmationsEnabled(false);
        QVERIFY2(question.contains(u"End live session"_s), qPrintable(question));
        QVERIFY(client.isConnected());
        QCOMPARE(cell(m_adaSession, SessionTableModel::StatusColumn), u"connected"_s);

        // The operator ends the session: the client is told why, the summary follows.
        QVERIFY(m_window->endSelectedSession());
        QVERIFY(client.waitForClosed());
        QCOMPARE(client.closeCode(), 1000);
        QVERIFY(client.closeReason().contains(u"operator"_s));
        QTRY_COMPARE(cell(m_adaSession, SessionTableModel::StatusColumn), u"ended"_s);
        QVERIFY(!cell(m_adaSession, SessionTableModel::EndedColumn).isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(detail()->summaryView()->toPlainText().contains(u"Ada"_s), 20000);
        const int row = model()->rowOf(m_adaSession);
        QVERIFY(model()->index(row, 0).data(Qt::ToolTipRole).toString().contains(u"Ada"_s));
        QTRY_COMPARE(m_window->serverPanel()->sessionsLabel()->text(), u"0"_s);
        screenshot(u"console.png"_s);
    }

    // Tokens, time to first token, tool calls and cost per session: for a live session from its
    // turns, for a past one from the database's sums over its stored replies, without opening it.
    void sessionColumnsShowUsageLiveAndPast() {
        QVERIFY(!m_adaSession.isNull());
        SessionArchive *archive = m_window->backend()->archive();
        const SessionUsage stored =
            FutureWait::result(archive->sessionUsage({m_adaSession})).value(m_adaSession);
        QCOMPARE(stored.replies, 2);
        QCOMPARE(stored.toolCalls, 1); // calculate_shipping
        QVERIFY(stored.completionTokens() > 0);
        QCOMPARE(stored.ttftCount, 2);
        const double cost =
            (double(stored.promptTokens()) * 1000 + double(stored.completionTokens()) * 2000) / 1e6;
        const auto shown = [this] {
            const int row = model()->rowOf(m_adaSession);
            return row < 0 ? std::optional<SessionUsage>() : model()->usage(row);
        };
        // What the live turns added up to is what was stored.
        QVERIFY(shown() && *shown() == stored);
        QCOMPARE(cell(m_adaSession, SessionTableModel::TokensColumn),
                 QString::number(stored.completionTokens()));
        QCOMPARE(cell(m_adaSession, SessionTableModel::ToolCallsColumn), u"1"_s);
        QVERIFY(cell(m_adaSession, SessionTableModel::TtftColumn).endsWith(u" ms"_s) ||
                cell(m_adaSession, SessionTableModel::TtftColumn).endsWith(u" s"_s));
        QCOMPARE(*model()->cost(model()->rowOf(m_adaSession)), cost);
        QCOMPARE(cell(m_adaSession, SessionTableModel::CostColumn),
                 u"$%1"_s.arg(cost, 0, 'f', cost < 1 ? 4 : 2));

        // Read again from the database with nothing selected: the past session's numbers are
        // there without opening it.
        m_window->sessionTable()->selectionModel()->clear();
        QTRY_VERIFY(detail()->sessionId().isNull());
        QSignalSpy pages(m_window.get(), &MainWindow::pageLoaded);
        m_window->reloadSessions();
        QVERIFY(pages.wait(10000));
        QTRY_VERIFY(shown() && *shown() == stored);
        QVERIFY(detail()->sessionId().isNull());
        m_window->loadNextPage(); // every session again, for the tests that follow
        QVERIFY(pages.wait(10000));
        QCOMPARE(model()->rowCount(), OldSessions + 1);
        QCOMPARE(cell(m_adaSession, SessionTableModel::TokensColumn),
                 QString::number(stored.completionTokens()));
        QCOMPARE(cell(m_adaSession, SessionTableModel::ToolCallsColumn), u"1"_s);
        QCOMPARE(*model()->cost(model()->rowOf(m_adaSession)), cost);
        // The seeded sessions have a question and no reply.
        SessionFilterProxyModel *proxy = m_window->sessionProxy();
        const int old = proxy->rowCount() - 1;
        QVERIFY(proxy->index(old, SessionTableModel::UserColumn)
                    .data()
                    .toString()
                    .startsWith(u"old-"_s));
        QTRY_COMPARE(proxy->index(old, SessionTableModel::TokensColumn).data().toString(), u"0"_s);
        QCOMPARE(proxy->index(old, SessionTableModel::ToolCallsColumn).data().toString(), u"0"_s);
        QCOMPARE(proxy->index(old, SessionTableModel::TtftColumn).data().toString(), u"—"_s);
        QCOMPARE(proxy->index(old, SessionTableModel::CostColumn).data().toString(), u"$0.0000"_s);
        QCOMPARE(proxy->index(old, SessionTableModel::DurationColumn).data().toString(), u"30 s"_s);

        // Selected again for the tests that follow.
        QSignalSpy loaded(detail(), &SessionDetailWidget::loaded);
        m_window->selectSession(m_adaSession);
        QVERIFY(loaded.count() > 0 || loaded.wait(10000));
    }

    void exportsTheSelectedSession() {
        QVERIFY(!m_adaSession.isNull());
        QCOMPARE(detail()->sessionId(), m_adaSession);
        const QString mdPath = m_dir.filePath(u"ada.md"_s);
        QVERIFY(m_window->exportSelectedSession(SessionExporter::Format::Markdown, mdPath));
        QFile md(mdPath);
        QVERIFY(md.open(QIODevice::ReadOnly));
        const QString markdown = QString::fromUtf8(md.readAll());
        QVERIFY(markdown.startsWith(u"# Session "_s + Ids::toText(m_adaSession)));
        QVERIFY(markdown.contains(u"Hello, my name is Ada."_s));
        QVERIFY(markdown.contains(u"**Tool call `calculate_shipping`**"_s));
        QVERIFY(markdown.contains(u"## Summary"_s));

        const QString jsonPath = m_dir.filePath(u"ada.json"_s);
        QVERIFY(m_window->exportSelectedSession(SessionExporter::Format::Json, jsonPath));
        QFile json(jsonPath);
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject root = QJsonDocument::fromJson(json.readAll()).object();
        QCOMPARE(root.value(u"session"_s).toObject().value(u"user_id"_s).toString(), u"ada"_s);
        QCOMPARE(root.value(u"events"_s).toArray().size(), detail()->eventLog()->events().size());
        QVERIFY(!m_window->exportSelectedSession(SessionExporter::Format::Json,
                                                 m_dir.filePath(u"no/such/dir/x.json"_s)));
    }

    void copiesIds() {
        m_window->copySelectedSessionId();
        QCOMPARE(QGuiApplication::clipboard()->text(), Ids::toText(m_adaSession));
        m_window->copySelectedUserId();
        QCOMPARE(QGuiApplication::clipboard()->text(), u"ada"_s);
    }

    void filtersByUserAndStatus() {
        SessionFilterProxyModel *proxy = m_window->sessionProxy();
        m_window->userFilterEdit()->setText(u"ada"_s);
        QCOMPARE(proxy->rowCount(), 1);
        m_window->userFilterEdit()->setText(u"old-12"_s); // old-12 and old-120…129
        QCOMPARE(proxy->rowCount(), 11);
        m_window->userFilterEdit()->clear();
        QComboBox *status = m_window->statusFilterBox();
        status->setCurrentIndex(status->findText(u"Live"_s));
        QCOMPARE(proxy->rowCount(), 0);
        status->setCurrentIndex(status->findText(u"Ended"_s));
        QCOMPARE(proxy->rowCount(), OldSessions + 1);
        status->setCurrentIndex(0);
    }

    void manyLiveSessionsUpdateTheirRows() {
        QList<std::shared_ptr<WsTestClient>> clients;
        QList<QUuid> ids;
        for (int i = 0; i < 4; ++i) {
            ids << Ids::newSessionId();
            clients << std::make_shared<WsTestClient>();
            QVERIFY(clients.last()->open(
                WsTestClient::sessionUrl(m_url, Ids::toText(ids.last()), u"user-%1"_s.arg(i))));
            QVERIFY(!clients.last()->waitFor(u"session"_s).isEmpty());
        }
        for (const auto &client : std::as_const(clients))
            client->sendText(u"What is 10 + 2?"_s);
        for (const auto &client : std::as_const(clients))
            QVERIFY(!client->waitForTurn().isEmpty());
        for (const QUuid &id : std::as_const(ids)) {
            QTRY_COMPARE(cell(id, SessionTableModel::MessagesColumn), u"2"_s);
            QCOMPARE(cell(id, SessionTableModel::StatusColumn), u"connected"_s);
        }
        QTRY_COMPARE(m_window->serverPanel()->clientsLabel()->text(), u"4"_s);
        m_window->statusFilterBox()->setCurrentIndex(1); // live
        QCOMPARE(m_window->sessionProxy()->rowCount(), 4);
        m_window->statusFilterBox()->setCurrentIndex(0);
        for (const auto &client : std::as_const(clients))
            client->close();
        for (const QUuid &id : std::as_const(ids))
            QTRY_COMPARE(cell(id, SessionTableModel::StatusColumn), u"ended"_s);
    }

    // A session resumed after it ended: the usage stored before is the base, the new turn is
    // added once.
    void resumedSessionCountsEachTurnOnce() {
        const QUuid id = Ids::newSessionId();
        qint64 prompt = 0;
        qint64 completion = 0;
        for (int round = 0; round < 2; ++round) {
            WsTestClient client;
            QVERIFY(client.open(WsTestClient::sessionUrl(m_url, Ids::toText(id), u"grace"_s)));
            QCOMPARE(client.waitFor(u"session"_s).value(u"resumed"_s).toBool(), round > 0);
            QTRY_COMPARE(cell(id, SessionTableModel::StatusColumn), u"connected"_s);
            client.sendText(u"Hello, my name is Grace."_s);
            const QList<QJsonObject> turn = client.waitForTurn();
            QVERIFY(!turn.isEmpty());
            const QJsonObject usage = turn.constLast().value(u"usage"_s).toObject();
            QVERIFY(usage.value(u"completion_tokens"_s).toInt() > 0);
            prompt += usage.value(u"prompt_tokens"_s).toInt();
            completion += usage.value(u"completion_tokens"_s).toInt();
            QTRY_COMPARE(cell(id, SessionTableModel::TokensColumn), QString::number(completion));
            const int row = model()->rowOf(id);
            QTRY_COMPARE(model()->usage(row)->replies, round + 1);
            QCOMPARE(model()->usage(row)->promptTokens(), prompt);
            QCOMPARE(cell(id, SessionTableModel::ToolCallsColumn), u"0"_s);
            QCOMPARE(*model()->cost(row),
                     (double(prompt) * 1000 + double(completion) * 2000) / 1e6);
            client.close();
            QTRY_COMPARE(cell(id, SessionTableModel::StatusColumn), u"ended"_s);
        }
    }

    // The charts take their points from the real server: the turns above, and a long reply
    // that holds an LLM request in flight while tokens stream.
    void chartsFollowTheServer() {
        MetricsSampler *sampler = m_window->sampler();
        MetricsChartPane *charts = m_window->chartPane();
        QVERIFY(sampler->isSampling());
        using M = MetricsSampler::Metric;
        // Grace's two turns (above) finished within a minute of each other.
        QTRY_VERIFY(sampler->series(M::TurnsPerMinute)->maximum() >= 2);
        QVERIFY(sampler->series(M::TtftP50)->maximum() > 0);
        QVERIFY(sampler->series(M::TtftP99)->maximum() >= sampler->series(M::TtftP50)->maximum());
        QCOMPARE(sampler->series(M::ErrorsPerMinute)->maximum(), 0.0);

        const QUuid id = Ids::newSessionId();
        WsTestClient client;
        QVERIFY(client.open(WsTestClient::sessionUrl(m_url, Ids::toText(id), u"charts"_s)));
        client.waitFor(u"session"_s);
        client.sendText(u"long: 150"_s); // 150 tokens, 40 ms apart: 6 s of streaming
        QTRY_VERIFY_WITH_TIMEOUT(sampler->series(M::LlmInFlight)->lastValue() >= 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(sampler->series(M::TokensPerSecond)->lastValue() > 0, 10000);
        for (const M metric : {M::TurnsPerMinute, M::TtftP50, M::TokensPerSecond, M::LlmInFlight})
            QCOMPARE(charts->line(metric)->points(), sampler->series(metric)->points());
        screenshot(u"console-charts.png"_s);
        QVERIFY(!client.waitForTurn().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(sampler->series(M::LlmInFlight)->lastValue(), 0.0, 10000);
        client.close();
    }

    void deletesASession() {
        const QUuid victim = model()->session(model()->rowOf(m_adaSession) == 0 ? 1 : 0).id;
        QVERIFY(!victim.isNull());
        QVERIFY(victim != m_adaSession);
        m_window->selectSession(victim);
        QCOMPARE(detail()->sessionId(), victim);
        QSignalSpy deleted(m_window.get(), &MainWindow::sessionDeleted);
        m_window->deleteSelectedSession();
        QVERIFY(deleted.count() > 0 || deleted.wait(10000));
        QCOMPARE(model()->rowOf(victim), -1);
        QVERIFY(detail()->sessionId() != victim);
        bool gone = false;
        m_window->backend()->archive()->session(victim).then(
            this, [&gone](const std::optional<Session> &session) { gone = !session.has_value(); });
        QTRY_VERIFY(gone);
    }

    void restartsTheServer() {
        QSignalSpy stopped(m_window.get(), &MainWindow::serverStopped);
        QSignalSpy started(m_window.get(), &MainWindow::serverStarted);
        QSignalSpy pages(m_window.get(), &MainWindow::pageLoaded);
        Config next = m_config;
        next.llmModel = u"other-model"_s;
        m_window->selectSession(m_adaSession);
        QCOMPARE(detail()->sessionId(), m_adaSession);
        m_window->restartServer(next);
        QVERIFY(stopped.count() > 0 || stopped.wait(10000));
        // While stopped no row is highlighted over the empty detail pane...
        QVERIFY(detail()->sessionId().isNull());
        QVERIFY(!m_window->sessionTable()->selectionModel()->hasSelection());
        QVERIFY(started.count() > 0 || started.wait(20000));
        QVERIFY(pages.count() > 0 || pages.wait(20000));
        m_url = started.first().first().toUrl();
        QVERIFY(m_window->serverPanel()->llmLabel()->text().contains(u"other-model"_s));
        // The sessions come back from the database, the deleted one stays gone.
        QCOMPARE(model()->rowCount(), 100);
        QVERIFY(model()->rowOf(m_adaSession) >= 0);
        QCOMPARE(cell(m_adaSession, SessionTableModel::MessagesColumn), u"4"_s);
        // ... and once it is back the same session is selected and shown.
        QCOMPARE(detail()->sessionId(), m_adaSession);
    }

    // An LLM that cannot answer is a warning with a way to the Settings, not plain text.
    void warnsWhenTheLlmIsNotReachable() {
        MockLlmServer gone;
        QVERIFY(gone.listen());
        const QUrl base = gone.baseUrl();
        gone.stopListening();
        Config config = m_config;
        config.databaseUrl = u"sqlite://"_s + m_dir.filePath(u"unreachable.db"_s);
        config.llmBaseUrl = base.toString();
        MainWindow window(config, Backend::factory());
        window.setConfirmationsEnabled(false);
        window.resize(1000, 700);
        window.show();
        ServerPanel *panel = window.serverPanel();
        QSignalSpy started(&window, &MainWindow::serverStarted);
        window.startServer();
        QVERIFY(started.count() > 0 || started.wait(20000));
        QTRY_VERIFY_WITH_TIMEOUT(panel->llmWarning(), 10000);
        QVERIFY(panel->llmSettingsButton()->isVisible());
        QVERIFY(window.findChild<QLabel *>(u"serverLlmWarning"_s)->isVisible());
        QVERIFY(panel->llmLabel()->text().contains(u"unavailable"_s));
        QVERIFY2(panel->llmLabel()->toolTip().contains(
                     u"the LLM server at %1 is not reachable (connection refused), checked"_s.arg(
                         base.toString())),
                 qPrintable(panel->llmLabel()->toolTip()));
        screenshot(u"console-llm-unreachable.png"_s, &window);

        // The button opens the Settings.
        QString opened;
        QTimer::singleShot(0, this, [&opened] {
            if (QWidget *dialog = QApplication::activeModalWidget()) {
                opened = dialog->windowTitle();
                dialog->close();
            }
        });
        QTest::mouseClick(panel->llmSettingsButton(), Qt::LeftButton);
        QVERIFY2(opened.contains(u"Settings"_s), qPrintable(opened));

        // Back on its port: the next check clears the warning.
        QVERIFY(gone.listen(quint16(base.port())));
        auto *backend = qobject_cast<Backend *>(window.backend());
        QVERIFY(backend && backend->llmProbe());
        backend->llmProbe()->checkNow();
        QTRY_VERIFY_WITH_TIMEOUT(!panel->llmWarning(), 10000);
        QVERIFY(!panel->llmSettingsButton()->isVisible());
        QVERIFY(panel->llmLabel()->toolTip().isEmpty());

        QSignalSpy stopped(&window, &MainWindow::serverStopped);
        window.stopServer();
        QVERIFY(stopped.count() > 0 || stopped.wait(10000));
    }

    void warnsWhenNoLlmIsConfigured() {
        QTemporaryDir emptyCache;
        qputenv("RTAI_CACHE_DIR", emptyCache.path().toLocal8Bit()); // no local model either
        Config config = m_config;
        config.databaseUrl = u"sqlite://"_s + m_dir.filePath(u"nollm.db"_s);
        config.llmBaseUrl.clear();
        config.llmApiKey.clear();
        config.llmSource = Config::LlmSource::None;
        MainWindow window(config, Backend::factory());
        window.setConfirmationsEnabled(false);
        window.resize(1000, 700);
        window.show();
        QSignalSpy started(&window, &MainWindow::serverStarted);
        window.startServer();
        QVERIFY(started.count() > 0 || started.wait(20000));
        qunsetenv("RTAI_CACHE_DIR");
        ServerPanel *panel = window.serverPanel();
        QVERIFY(panel->llmWarning());
        QVERIFY(panel->llmSettingsButton()->isVisible());
        QCOMPARE(panel->llmLabel()->text(), u"not configured"_s);
        QVERIFY(panel->llmLabel()->toolTip().contains(u"no LLM is configured"_s));
        screenshot(u"console-llm-not-configured.png"_s, &window);
        QSignalSpy stopped(&window, &MainWindow::serverStopped);
        window.stopServer();
        QVERIFY(stopped.count() > 0 || stopped.wait(10000));
    }

    void noWarningWhileTheLlmAnswers() {
        ServerPanel *panel = m_window->serverPanel();
        QTRY_VERIFY(m_window->backend()->readiness()->lastCheck(Readiness::Part::Llm));
        QVERIFY(!panel->llmWarning());
        QVERIFY(!panel->llmSettingsButton()->isVisible());
    }

    void remembersGeometryAndSplitters() {
        const QString stateFile = m_dir.filePath(u"state.ini"_s);
        QList<int> sizes;
        {
            MainWindow first(m_config, Backend::factory());
            first.setStateFile(stateFile);
            first.show();
            first.resize(1000, 700);
            auto *splitter = first.findChild<QSplitter *>(u"mainSplitter"_s);
            QVERIFY(splitter);
            splitter->setSizes({300, 680});
            QCoreApplication::processEvents();
            sizes = splitter->sizes();
            QVERIFY(first.close());
        }
        MainWindow second(m_config, Backend::factory());
        second.setStateFile(stateFile);
        second.show();
        QCoreApplication::processEvents();
        QCOMPARE(second.size(), QSize(1000, 700));
        QCOMPARE(second.findChild<QSplitter *>(u"mainSplitter"_s)->sizes(), sizes);
        second.close();
    }
};

QTEST_MAIN(TestConsole)
#include "tst_console.moc"
