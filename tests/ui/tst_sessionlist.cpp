#include "core/Ids.h"
#include "ui/MainWindow.h"
#include "ui/SessionFilterProxyModel.h"
#include "ui/SessionTableModel.h"

#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QTableView>
#include <QTest>

using namespace Qt::StringLiterals;

// The console's session list as the operator first sees it: the window at its default size,
// with sessions in the table (the server is not needed for these).
class TestSessionList : public QObject {
    Q_OBJECT

    std::unique_ptr<MainWindow> m_window;

    QLabel *placeholder() const {
        return m_window->sessionTable()->findChild<QLabel *>(u"sessionTablePlaceholder"_s);
    }

private Q_SLOTS:
    void initTestCase() {
        m_window = std::make_unique<MainWindow>(
            Config(), [](const Config &, QObject *) -> ConsoleServer * { return nullptr; });
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QList<Session> sessions;
        for (int i = 0; i < 3; ++i) {
            Session session;
            session.id = Ids::newSessionId();
            session.userId = u"user-%1"_s.arg(i);
            session.startTime = QDateTime::currentDateTimeUtc().addSecs(-600 + i);
            session.endTime = session.startTime.addSecs(60);
            sessions << session;
        }
        m_window->sessionModel()->addSessions(sessions);
        m_window->sessionModel()->sessionConnected(Ids::newSessionId(), u"live-user"_s,
                                                   QDateTime::currentDateTimeUtc());
    }

    void statusColumnFitsAtTheDefaultSize() {
        QTableView *table = m_window->sessionTable();
        QHeaderView *header = table->horizontalHeader();
        const int status = SessionTableModel::StatusColumn;
        QString widths; // for the failure message
        for (int column = 0; column < SessionTableModel::ColumnCount; ++column)
            widths += QString::number(header->sectionSize(column)) + u' ';
        const QString layout =
            u"viewport %1, columns %2"_s.arg(table->viewport()->width()).arg(widths);
        QVERIFY2(!table->horizontalScrollBar()->isVisible(), qPrintable(layout));
        QVERIFY(header->sectionViewportPosition(status) >= 0);
        QVERIFY(header->sectionViewportPosition(status) + header->sectionSize(status) <=
                table->viewport()->width());
        // Wide enough for its longest value and the cell's margins.
        QVERIFY(header->sectionSize(status) >=
                table->fontMetrics().horizontalAdvance(u"connected"_s) + 8);
    }

    void emptyFilterResultSaysSo() {
        QVERIFY(placeholder());
        QVERIFY(!placeholder()->isVisible()); // sessions shown: no placeholder
        m_window->userFilterEdit()->setText(u"nobody-by-that-name"_s);
        QCOMPARE(m_window->sessionProxy()->rowCount(), 0);
        QVERIFY(placeholder()->isVisible());
        QCOMPARE(placeholder()->text(), u"No sessions match the filter"_s);
        m_window->userFilterEdit()->setText(u"user-1"_s);
        QCOMPARE(m_window->sessionProxy()->rowCount(), 1);
        QVERIFY(!placeholder()->isVisible());
        m_window->userFilterEdit()->clear();

        QComboBox *status = m_window->statusFilterBox();
        status->setCurrentIndex(status->findText(u"Live"_s));
        QCOMPARE(m_window->sessionProxy()->rowCount(), 1);
        QVERIFY(!placeholder()->isVisible());
        m_window->userFilterEdit()->setText(u"user-"_s); // ended ones only: none live
        QCOMPARE(m_window->sessionProxy()->rowCount(), 0);
        QVERIFY(placeholder()->isVisible());
        status->setCurrentIndex(0);
        QCOMPARE(m_window->sessionProxy()->rowCount(), 3);
        QVERIFY(!placeholder()->isVisible());
        m_window->userFilterEdit()->clear();
    }

    void emptyListWithoutFilterShowsNoPlaceholder() {
        m_window->sessionModel()->clear();
        QCOMPARE(m_window->sessionProxy()->rowCount(), 0);
        QVERIFY(!placeholder()->isVisible());
    }
};

QTEST_MAIN(TestSessionList)
#include "tst_sessionlist.moc"
