// The console's session titles: the Title column of the session table, filled from the
// database, from a live session's first message and from its summary, and renamed in place.
// An embedded Backend with a SQLite file, the mock LLM over real HTTP + SSE, WebSocket clients.
#include "app/Backend.h"
#include "core/Ids.h"
#include "core/SessionTitle.h"
#include "core/Timestamps.h"
#include "fixtures/ConsoleUnderTest.h"
#include "fixtures/FutureWait.h"
#include "fixtures/MockLlmRules.h"
#include "fixtures/MockLlmServer.h"
#include "fixtures/WsTestClient.h"
#include "storage/Database.h"
#include "ui/MainWindow.h"
#include "ui/SessionArchive.h"
#include "ui/SessionFilterProxyModel.h"
#include "ui/SessionTableModel.h"

#include <QAction>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TestConsoleTitles : public QObject {
    Q_OBJECT

    MockLlmServer m_llm;
    QTemporaryDir m_dir;
    Config m_config;
    std::unique_ptr<MainWindow> m_window;
    QUrl m_url;
    QUuid m_old;

    SessionTableModel *model() const { return m_window->sessionModel(); }
    QString title(const QUuid &id) const {
        const int row = model()->rowOf(id);
        return row < 0 ? QString()
                       : model()->index(row, SessionTableModel::TitleColumn).data().toString();
    }
    std::optional<Session> stored(const QUuid &id) {
        std::optional<Session> session;
        bool done = false;
        m_window->backend()->archive()->session(id).then(this,
                                                         [&](const std::optional<Session> &s) {
                                                             session = s;
                                                             done = true;
                                                         });
        if (!QTest::qWaitFor([&done] { return done; }, 10000))
            qFatal("the database did not answer");
        return session;
    }
    // Types `text` into the title cell's editor of the selected session and presses Enter.
    bool editTitle(const QUuid &id, const QString &text) {
        m_window->selectSession(id);
        m_window->action(u"renameSession"_s)->trigger();
        auto *editor = m_window->sessionTable()->viewport()->findChild<QLineEdit *>();
        if (!editor || !editor->isVisible())
            return false;
        editor->selectAll();
        QTest::keyClicks(editor, text);
        QTest::keyClick(editor, Qt::Key_Return);
        return true;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_llm.listen());
        m_llm.setResponder(
            [](const MockLlmRequest &request) { return MockLlmRules::answer(request, 5); });
        m_config = ConsoleUnderTest::config(m_dir, m_llm.baseUrl());
        {
            // A session stored before the console opens the database, with a summary.
            Database database;
            QVERIFY(FutureWait::succeeded(database.open(m_config.databaseUrl), 20000));
            m_old = Ids::newSessionId();
            const QDateTime start = Timestamps::fromIso(u"2025-01-01T08:00:00Z"_s);
            database.createSession(m_old, u"old-user"_s, start);
            database.appendEvent(Event::make(m_old, EventType::UserMessage, u"old question"_s));
            database.endSession(m_old, start.addSecs(30));
            database.setSummary(m_old, u"Old-user asked about <b>tides</b>. Nothing else."_s);
            QVERIFY(FutureWait::succeeded(database.flush(), 20000));
        }
        m_window = std::make_unique<MainWindow>(m_config, Backend::factory());
        m_url = ConsoleUnderTest::start(*m_window);
        QVERIFY(!m_url.isEmpty());
    }

    void cleanupTestCase() { ConsoleUnderTest::stop(m_window); }

    void storedTitleIsShownAsText() {
        QCOMPARE(model()->headerData(SessionTableModel::TitleColumn, Qt::Horizontal).toString(),
                 u"Title"_s);
        QCOMPARE(title(m_old), u"Old-user asked about <b>tides</b>"_s);
        const int row = model()->rowOf(m_old);
        QCOMPARE(model()->index(row, SessionTableModel::TitleColumn).data(Qt::ToolTipRole),
                 QVariant(u"Old-user asked about <b>tides</b>"_s));
    }

    void liveSessionTakesItsTitleFromTheFirstMessageThenTheSummary() {
        const QUuid id = Ids::newSessionId();
        WsTestClient client;
        QVERIFY(client.open(WsTestClient::sessionUrl(m_url, Ids::toText(id), u"ada"_s)));
        QVERIFY(!client.waitFor(u"session"_s).isEmpty());
        QTRY_VERIFY(model()->rowOf(id) >= 0);
        QCOMPARE(title(id), QString());
        client.sendText(u"  What is\n10 + 2?"_s);
        QVERIFY(!client.waitForTurn().isEmpty());
        QTRY_COMPARE(title(id), u"What is 10 + 2?"_s);
        client.sendText(u"What is 3 + 4?"_s);
        QVERIFY(!client.waitForTurn().isEmpty());
        QCOMPARE(title(id), u"What is 10 + 2?"_s);
        QCOMPARE(stored(id)->title, u"What is 10 + 2?"_s);
        client.close();
        // The mock's summary begins "Summary: The user did not give their name."
        QTRY_COMPARE_WITH_TIMEOUT(title(id), u"The user did not give their name"_s, 20000);
        QCOMPARE(stored(id)->title, title(id));
    }

    void renamesInTheTable() {
        QVERIFY(editTitle(m_old, u"  Tides,   for <i>school</i> "_s));
        QTRY_COMPARE(title(m_old), u"Tides, for <i>school</i>"_s);
        QCOMPARE(stored(m_old)->title, u"Tides, for <i>school</i>"_s);
        QCOMPARE(stored(m_old)->titleSource, u"user"_s);
        QVERIFY(m_window->statusBar()->currentMessage().contains(u"renamed"_s));
        // A later summary keeps the rename, in the table as in the database.
        model()->setSummary(m_old, u"A new summary."_s);
        QCOMPARE(title(m_old), u"Tides, for <i>school</i>"_s);
    }

    void refusesABadTitleAndSaysWhy() {
        QVERIFY(editTitle(m_old, u"   "_s));
        QTRY_VERIFY(m_window->statusBar()->currentMessage().contains(u"empty"_s));
        QVERIFY(editTitle(m_old, QString(SessionTitle::kMaxLength + 1, u'x')));
        QTRY_VERIFY(m_window->statusBar()->currentMessage().contains(u"at most 120"_s));
        QCOMPARE(title(m_old), u"Tides, for <i>school</i>"_s);
        QCOMPARE(stored(m_old)->title, u"Tides, for <i>school</i>"_s);
    }
};

QTEST_MAIN(TestConsoleTitles)
#include "tst_consoletitles.moc"
