// The console attached to a second, real `realtime-ai --server` process (offscreen): File ▸
// Connect to server… with a bad address, a wrong token and the admin token; the attached
// window lists a live session as it opens and shows its turn as it streams; End session is off
// on a read-only server and ends the session on one that allows remote control.

#include "core/Ids.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/TestEnvironment.h"
#include "fixtures/WsTestClient.h"
#include "ui/ConnectDialog.h"
#include "ui/MainWindow.h"
#include "ui/RemoteConsoleWindow.h"

#include <QAction>
#include <QDir>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {
const QString kToken = u"remote-attach-token"_s;
}

class TestRemoteAttach : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    MockLlmProcess m_mock;
    ServerProcess m_server;
    std::unique_ptr<MainWindow> m_window;

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
    RemoteConsoleWindow *remoteWindow() const {
        return m_window->findChild<RemoteConsoleWindow *>(u"remoteConsole"_s);
    }
    static QString stateText(RemoteConsoleWindow *window) {
        return window->findChild<QLabel *>(u"remoteState"_s)->text();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_mock.start({u"--token-delay-ms"_s, u"5"_s}));
        QProcessEnvironment environment;
        environment.insert(u"RTAI_API_TOKEN"_s, kToken);
        m_server.setLogName(u"tst_remoteattach-server"_s);
        QVERIFY2(m_server.start({u"--database-url"_s,
                                 u"sqlite://"_s + m_dir.filePath(u"remote.db"_s), u"--data-dir"_s,
                                 m_dir.path(), u"--llm-base-url"_s, m_mock.baseUrl().toString()},
                                environment),
                 qPrintable(m_server.log()));
        m_window = std::make_unique<MainWindow>(
            Config(), [](const Config &, QObject *) -> ConsoleServer * { return nullptr; });
        m_window->setConfirmationsEnabled(false);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
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
        RemoteConsoleWindow *window = remoteWindow();
        QVERIFY(window);
        QTRY_COMPARE_WITH_TIMEOUT(window->server()->state(), RemoteServer::State::Failed, 10000);
        QVERIFY2(stateText(window).contains(u"401"_s), qPrintable(stateText(window)));
        window->close();
        QTRY_VERIFY(!remoteWindow());
    }

    void liveSessionAppearsAndStreams() {
        connectWith(m_server.url().toString(), kToken);
        RemoteConsoleWindow *window = remoteWindow();
        QVERIFY(window);
        QTRY_COMPARE_WITH_TIMEOUT(window->server()->state(), RemoteServer::State::Attached, 10000);
        QVERIFY2(stateText(window).contains(u"read-only"_s), qPrintable(stateText(window)));
        auto *status = window->findChild<QLabel *>(u"remoteStatus"_s);
        QTRY_VERIFY2(status->text().contains(u"127.0.0.1:%1"_s.arg(m_mock.port())),
                     qPrintable(status->text()));
        auto *sessions = window->findChild<QListWidget *>(u"remoteSessions"_s);
        QCOMPARE(sessions->count(), 0);

        const QUuid id = QUuid::createUuid();
        WsTestClient chat;
        QVERIFY(chat.open(WsTestClient::sessionUrl(m_server.url(), Ids::toText(id), u"remy"_s),
                          {{QByteArrayLiteral("Authorization"), "Bearer " + kToken.toUtf8()}}));
        QCOMPARE(chat.waitFor(u"session"_s).value(u"session_id"_s).toString(), Ids::toText(id));
        QTRY_COMPARE_WITH_TIMEOUT(sessions->count(), 1, 10000);
        QVERIFY2(status->text().contains(u"1 live sessions"_s), qPrintable(status->text()));
        QVERIFY2(sessions->item(0)->text().contains(u"remy"_s),
                 qPrintable(sessions->item(0)->text()));
        window->selectSession(id);
        QCOMPARE(window->selectedSession(), id);
        QVERIFY(!window->findChild<QPushButton *>(u"remoteEndSession"_s)->isEnabled());

        chat.sendText(u"watch this remotely"_s);
        QCOMPARE(WsTestClient::contentOf(chat.waitForTurn()),
                 u"You said: \"watch this remotely\". I noted that."_s);
        auto *transcript = window->findChild<QPlainTextEdit *>(u"remoteTranscript"_s);
        QTRY_VERIFY2_WITH_TIMEOUT(transcript->toPlainText().contains(
                                      u"You said: \"watch this remotely\". I noted that."_s),
                                  qPrintable(transcript->toPlainText()), 10000);
        QVERIFY(transcript->toPlainText().contains(u"User: watch this remotely"_s));
        QCOMPARE(transcript->toPlainText(), window->transcript(id));
        QVERIFY(window->grab().save(
            QDir(TestEnvironment::artifactsDir()).filePath(u"console-remote.png"_s)));

        chat.close();
        QTRY_COMPARE_WITH_TIMEOUT(sessions->count(), 0, 10000);
        window->close();
        QTRY_VERIFY(!remoteWindow());
    }

    void endsALiveSessionWhereRemoteControlIsAllowed() {
        QProcessEnvironment environment;
        environment.insert(u"RTAI_API_TOKEN"_s, kToken);
        environment.insert(u"RTAI_ADMIN_ALLOW_REMOTE_CONTROL"_s, u"true"_s);
        ServerProcess server;
        server.setLogName(u"tst_remoteattach-control"_s);
        QVERIFY2(
            server.start({u"--database-url"_s, u"sqlite://"_s + m_dir.filePath(u"control.db"_s),
                          u"--data-dir"_s, m_dir.filePath(u"control"_s), u"--llm-base-url"_s,
                          m_mock.baseUrl().toString()},
                         environment),
            qPrintable(server.log()));
        connectWith(server.url().toString(), kToken);
        RemoteConsoleWindow *window = remoteWindow();
        QVERIFY(window);
        QTRY_COMPARE_WITH_TIMEOUT(window->server()->state(), RemoteServer::State::Attached, 10000);
        QVERIFY2(stateText(window).contains(u"remote control allowed"_s),
                 qPrintable(stateText(window)));
        auto *end = window->findChild<QPushButton *>(u"remoteEndSession"_s);
        QVERIFY(!end->isEnabled()); // nothing selected

        const QUuid id = QUuid::createUuid();
        WsTestClient chat;
        QVERIFY(chat.open(WsTestClient::sessionUrl(server.url(), Ids::toText(id), u"remy"_s),
                          {{QByteArrayLiteral("Authorization"), "Bearer " + kToken.toUtf8()}}));
        QCOMPARE(chat.waitFor(u"session"_s).value(u"session_id"_s).toString(), Ids::toText(id));
        auto *sessions = window->findChild<QListWidget *>(u"remoteSessions"_s);
        QTRY_COMPARE_WITH_TIMEOUT(sessions->count(), 1, 10000);
        window->selectSession(id);
        QVERIFY(end->isEnabled());
        end->click();
        QVERIFY(chat.waitForClosed());
        QCOMPARE(chat.closeCode(), 1000);
        QTRY_COMPARE_WITH_TIMEOUT(sessions->count(), 0, 10000);
        auto *notice = window->findChild<QLabel *>(u"remoteNotice"_s);
        QTRY_COMPARE(notice->text(), u"Session %1 ended."_s.arg(Ids::toText(id)));
        QVERIFY(!end->isEnabled());
        window->close();
        QTRY_VERIFY(!remoteWindow());
    }
};

QTEST_MAIN(TestRemoteAttach)
#include "tst_remoteattach.moc"
