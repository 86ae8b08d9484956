#include "core/LogBuffer.h"
#include "core/LogCapture.h"
#include "core/Logging.h"
#include "ui/LogFilterProxyModel.h"
#include "ui/LogModel.h"
#include "ui/LogPane.h"

#include <QComboBox>
#include <QLineEdit>
#include <QMutex>
#include <QTableView>
#include <QTest>
#include <QThread>

using namespace Qt::StringLiterals;

// The log pane fed by the real message handler: lines logged with the program's categories on
// the main thread and on another thread reach the model, through the filters and the bound.
class TestLogPane : public QObject {
    Q_OBJECT

    static int rowOf(const QAbstractItemModel *model, const QString &message) {
        for (int row = 0; row < model->rowCount(); ++row)
            if (model->index(row, LogModel::MessageColumn).data().toString() == message)
                return row;
        return -1;
    }

    static QStringList &forwarded() {
        static QStringList messages;
        return messages;
    }

private Q_SLOTS:
    void initTestCase() {
        Logging::configure(u"debug"_s);
        // Stands in for Qt's stderr handler, which LogCapture must keep calling.
        qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &message) {
            static QMutex mutex; // lines come from the worker thread too
            const QMutexLocker lock(&mutex);
            forwarded() << message;
            fprintf(stderr, "%s\n", qPrintable(message));
        });
    }
    void cleanup() { LogCapture::uninstall(); }

    void linesFromAnyThreadReachTheModel() {
        LogBuffer buffer;
        LogCapture::install(&buffer);
        LogPane pane;
        pane.setSource(&buffer);
        LogModel *model = pane.model();

        qCInfo(lcServer) << "main thread line";
        QThread *worker = QThread::create([] {
            qCWarning(lcStorage) << "database thread line";
            qCCritical(lcStorage) << "database thread failure";
        });
        worker->start();
        QVERIFY(worker->wait(10000));
        delete worker;

        QTRY_VERIFY(rowOf(model, u"database thread failure"_s) >= 0);
        const int main = rowOf(model, u"main thread line"_s);
        QVERIFY(main >= 0);
        QCOMPARE(model->index(main, LogModel::CategoryColumn).data().toString(), u"rtai.server"_s);
        QCOMPARE(model->index(main, LogModel::LevelColumn).data().toString(), u"info"_s);
        const int other = rowOf(model, u"database thread line"_s);
        QVERIFY(other > main);
        QCOMPARE(model->index(other, LogModel::CategoryColumn).data().toString(),
                 u"rtai.storage"_s);
        QCOMPARE(model->index(other, LogModel::LevelColumn).data().toString(), u"warning"_s);
        QVERIFY(model->index(other, 0).data(Qt::ForegroundRole).isValid()); // warnings stand out
        QVERIFY(!model->index(main, 0).data(Qt::ForegroundRole).isValid());
        // The categories seen are offered in the category filter.
        QVERIFY(pane.categoryBox()->findText(u"rtai.storage"_s) > 0);
        QVERIFY(pane.categoryBox()->findText(u"rtai.server"_s) > 0);
    }

    void filtersHideAndShowLines() {
        LogBuffer buffer;
        LogCapture::install(&buffer);
        LogPane pane;
        pane.setSource(&buffer);
        qCDebug(lcChat) << "chat detail";
        qCInfo(lcChat) << "chat turn";
        qCWarning(lcLlm) << "llm slow";
        qCCritical(lcStorage) << "storage down";
        QTRY_VERIFY(rowOf(pane.model(), u"storage down"_s) >= 0);
        const QAbstractItemModel *shown = pane.table()->model();
        QCOMPARE(shown, pane.proxy());
        QVERIFY(rowOf(shown, u"chat detail"_s) >= 0);

        pane.levelBox()->setCurrentIndex(pane.levelBox()->findData(2)); // warning and above
        QCOMPARE(rowOf(shown, u"chat detail"_s), -1);
        QCOMPARE(rowOf(shown, u"chat turn"_s), -1);
        QVERIFY(rowOf(shown, u"llm slow"_s) >= 0);
        QVERIFY(rowOf(shown, u"storage down"_s) >= 0);

        pane.categoryBox()->setCurrentIndex(pane.categoryBox()->findText(u"rtai.storage"_s));
        QCOMPARE(rowOf(shown, u"llm slow"_s), -1);
        QVERIFY(rowOf(shown, u"storage down"_s) >= 0);

        pane.categoryBox()->setCurrentIndex(0); // all categories
        pane.levelBox()->setCurrentIndex(0);    // every level
        QVERIFY(rowOf(shown, u"chat detail"_s) >= 0);
        pane.textFilter()->setText(u"SLOW"_s);
        QCOMPARE(shown->rowCount(), 1);
        QVERIFY(rowOf(shown, u"llm slow"_s) >= 0);
        pane.textFilter()->clear();
        QVERIFY(shown->rowCount() >= 4);
    }

    void theBoundHolds() {
        LogBuffer buffer(100); // lines not yet taken
        LogCapture::install(&buffer);
        LogModel model(nullptr, 50);
        model.setSource(&buffer);
        // Logged while the receiving thread is busy: the buffer keeps only its capacity.
        for (int i = 0; i < 250; ++i)
            qCInfo(lcApp).noquote() << u"burst %1"_s.arg(i);
        QCOMPARE(buffer.droppedCount(), qint64(150));
        QTRY_COMPARE(model.rowCount(), 50);
        QCOMPARE(model.index(0, LogModel::MessageColumn).data().toString(), u"burst 200"_s);
        QCOMPARE(model.index(49, LogModel::MessageColumn).data().toString(), u"burst 249"_s);
        // Then line by line, the oldest rows leave as new ones come.
        for (int i = 0; i < 30; ++i) {
            qCInfo(lcApp).noquote() << u"steady %1"_s.arg(i);
            QCoreApplication::processEvents();
        }
        QTRY_COMPARE(model.index(49, LogModel::MessageColumn).data().toString(), u"steady 29"_s);
        QCOMPARE(model.rowCount(), 50);
        QCOMPARE(model.index(0, LogModel::MessageColumn).data().toString(), u"burst 230"_s);
    }

    void earlierHandlerStillGetsEveryLine() {
        // In the program the earlier handler is Qt's own, which writes stderr.
        forwarded().clear();
        LogBuffer buffer;
        LogCapture::install(&buffer);
        qCWarning(lcApp) << "to both";
        QVERIFY(forwarded().contains(u"to both"_s));
        QCOMPARE(int(buffer.take().size()), 1);
        LogCapture::uninstall();
        qCWarning(lcApp) << "only forwarded";
        QVERIFY(forwarded().contains(u"only forwarded"_s));
        QCoreApplication::processEvents();
        QVERIFY(buffer.take().isEmpty());
    }
};

QTEST_MAIN(TestLogPane)
#include "tst_logpane.moc"
