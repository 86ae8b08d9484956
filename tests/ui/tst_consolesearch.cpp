// The console's transcript search: the search field above the session table lists the matching
// sessions from the database (title, user, snippet); choosing one opens it in the detail pane,
// also one older than the loaded pages or hidden by the filters; an empty result says so. An
// embedded Backend with a SQLite file, the mock LLM over real HTTP + SSE, a WebSocket client.
#include "app/Backend.h"
#include "core/Ids.h"
#include "core/Timestamps.h"
#include "fixtures/ConsoleUnderTest.h"
#include "fixtures/FutureWait.h"
#include "fixtures/MockLlmRules.h"
#include "fixtures/MockLlmServer.h"
#include "fixtures/TestEnvironment.h"
#include "fixtures/WsTestClient.h"
#include "storage/Database.h"
#include "ui/MainWindow.h"
#include "ui/SessionDetailWidget.h"
#include "ui/SessionSearchPane.h"
#include "ui/SessionTableModel.h"

#include <QAction>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace Qt::StringLiterals;

class TestConsoleSearch : public QObject {
    Q_OBJECT

    MockLlmServer m_llm;
    QTemporaryDir m_dir;
    Config m_config;
    std::unique_ptr<MainWindow> m_window;
    QUrl m_url;
    QUuid m_tides;
    QUuid m_hidden;

    SessionSearchPane *pane() const { return m_window->searchPane(); }
    // Types `text` into the search field, presses Enter and waits for the answer.
    bool searchFor(const QString &text) {
        QSignalSpy searched(pane(), &SessionSearchPane::searched);
        pane()->field()->clear();
        searched.clear();
        QTest::keyClicks(pane()->field(), text);
        QTest::keyClick(pane()->field(), Qt::Key_Return);
        return QTest::qWaitFor(
            [&] {
                return !searched.isEmpty() && (pane()->results()->isVisible() ||
                                               pane()->status()->isVisible() || text.isEmpty());
            },
            10000);
    }
    QStringList column(int column) const {
        QStringList values;
        for (int i = 0; i < pane()->results()->topLevelItemCount(); ++i)
            values << pane()->results()->topLevelItem(i)->text(column);
        return values;
    }
    void screenshot(const QString &name) {
        const QString path = QDir(TestEnvironment::artifactsDir()).filePath(name);
        QVERIFY(m_window->grab().save(path));
        qInfo("screenshot: %s", qPrintable(path));
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_llm.listen());
        m_llm.setResponder(
            [](const MockLlmRequest &request) { return MockLlmRules::answer(request, 5); });
        m_config = ConsoleUnderTest::config(m_dir, m_llm.baseUrl());
        {
            // Stored before the console opens the database: one session about tides, and 120
            // newer ones, so the tides one is not on the first page of the table.
            Database database;
            QVERIFY(FutureWait::succeeded(database.open(m_config.databaseUrl), 20000));
            const QDateTime start = Timestamps::fromIso(u"2025-01-01T08:00:00Z"_s);
            m_tides = Ids::newSessionId();
            database.createSession(m_tides, u"old-user"_s, start);
            database.appendEvent(
                Event::make(m_tides, EventType::UserMessage,
                            u"When are the spring tides at <b>Brest</b> this month?"_s));
            database.endSession(m_tides, start.addSecs(30));
            for (int i = 0; i < 120; ++i) {
                const QUuid id = Ids::newSessionId();
                database.createSession(id, u"filler"_s, start.addSecs(60 + i));
                database.appendEvent(
                    Event::make(id, EventType::UserMessage, u"filler %1"_s.arg(i)));
                database.endSession(id, start.addSecs(61 + i));
                if (i == 119)
                    m_hidden = id;
            }
            QVERIFY(FutureWait::succeeded(database.flush(), 20000));
        }
        m_window = std::make_unique<MainWindow>(m_config, Backend::factory());
        m_url = ConsoleUnderTest::start(*m_window);
        QVERIFY(!m_url.isEmpty());
    }

    void cleanupTestCase() { ConsoleUnderTest::stop(m_window); }

    void findsAStoredSessionAndOpensIt() {
        QVERIFY(!pane()->results()->isVisible());
        QCOMPARE(m_window->sessionModel()->rowOf(m_tides), -1); // beyond the first page
        QVERIFY(searchFor(u"TIDES brest"_s));
        QCOMPARE(column(0).size(), 1); // its title: from the message, or from a summary made since
        QCOMPARE(column(1), QStringList{u"old-user"_s});
        QVERIFY2(column(2).value(0).contains(u"spring tides at <b>Brest</b>"_s),
                 qPrintable(column(2).value(0)));
        screenshot(u"console-search.png"_s);
        pane()->results()->setCurrentItem(pane()->results()->topLevelItem(0));
        QTest::keyClick(pane()->results(), Qt::Key_Return);
        QTRY_COMPARE(m_window->detail()->sessionId(), m_tides);
        QVERIFY(m_window->sessionModel()->rowOf(m_tides) >= 0);
    }

    void opensASessionTheFilterHid() {
        m_window->userFilterEdit()->setText(u"old-user"_s);
        QVERIFY(searchFor(u"filler 119"_s));
        QCOMPARE(column(1), QStringList{u"filler"_s});
        QTest::mouseClick(
            pane()->results()->viewport(), Qt::LeftButton, {},
            pane()->results()->visualItemRect(pane()->results()->topLevelItem(0)).center());
        QTRY_COMPARE(m_window->detail()->sessionId(), m_hidden);
        QCOMPARE(m_window->userFilterEdit()->text(), QString());
    }

    void aNewMessageIsFoundAndEmptyResultsSaySo() {
        QVERIFY(searchFor(u"marmalade"_s));
        QVERIFY(!pane()->results()->isVisible());
        QCOMPARE(pane()->status()->text(), u"No session matches \u201cmarmalade\u201d."_s);
        const QUuid id = Ids::newSessionId();
        WsTestClient client;
        QVERIFY(client.open(WsTestClient::sessionUrl(m_url, Ids::toText(id), u"ada"_s)));
        QVERIFY(!client.waitFor(u"session"_s).isEmpty());
        client.sendText(u"echo: orange marmalade recipe"_s);
        QVERIFY(!client.waitForTurn().isEmpty());
        QVERIFY(searchFor(u"marmalade"_s));
        QCOMPARE(column(1), QStringList{u"ada"_s});
        QVERIFY(!pane()->status()->isVisible());
        // Text without a word, and query syntax, are no error.
        QVERIFY(searchFor(u"\"marmal* -"_s));
        QCOMPARE(column(1), QStringList{u"ada"_s});
        QVERIFY(searchFor(u"\"*"_s));
        QVERIFY(pane()->status()->text().contains(u"letters or digits"_s));
        // Clearing the field hides the results.
        QVERIFY(searchFor(QString()));
        QTRY_VERIFY(!pane()->results()->isVisible());
        QVERIFY(!pane()->status()->isVisible());
        client.close();
    }

    void shortcutFocusesTheField() {
        m_window->action(u"focusSearch"_s)->trigger();
        QTRY_VERIFY(pane()->field()->hasFocus());
    }
};

QTEST_MAIN(TestConsoleSearch)
#include "tst_consolesearch.moc"
