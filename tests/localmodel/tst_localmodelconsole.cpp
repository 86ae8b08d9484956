// The console with no LLM configured: it runs the bundled local model and its server panel shows
// the model's state, loading then ready, and goes back to loading when llama-server dies.

#include "app/Backend.h"
#include "core/Config.h"
#include "fixtures/ConsoleUnderTest.h"
#include "llm/LocalModel.h"
#include "ui/MainWindow.h"
#include "ui/ServerPanel.h"

#include <QApplication>
#include <QLabel>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <signal.h>

using namespace Qt::StringLiterals;

class TstLocalModelConsole : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;

    QString llmText() const { return m_window->serverPanel()->llmLabel()->text(); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        Config config;
        config.host = u"127.0.0.1"_s;
        config.port = 0;
        config.dataDir = m_dir.path();
        config.databaseUrl = u"sqlite://"_s + m_dir.filePath(u"console.db"_s);
        config.configFile = m_dir.filePath(u"realtime-ai.conf"_s);
        config.llmSource = Config::LlmSource::None;
        m_window = std::make_unique<MainWindow>(config, Backend::factory());
        m_window->setConfirmationsEnabled(false);
        m_window->show();
        QSignalSpy started(m_window.get(), &MainWindow::serverStarted);
        m_window->startServer();
        QVERIFY(started.count() > 0 || started.wait(20000));
    }

    void showsLoadingThenReady() {
        QVERIFY(m_window->backend()->localModel());
        QVERIFY2(llmText().startsWith(u"local model · "_s), qPrintable(llmText()));
        QVERIFY2(llmText().contains(u"SmolLM2"_s, Qt::CaseInsensitive), qPrintable(llmText()));
        QTRY_VERIFY2_WITH_TIMEOUT(llmText().endsWith(u" · ready"_s), qPrintable(llmText()), 180000);
    }

    void showsWhyWhenTheEngineDies() {
        LocalModel *local = m_window->backend()->localModel();
        const qint64 pid = local->processId();
        QVERIFY(pid > 0);
        QSignalSpy states(local, &LocalModel::stateChanged);
        QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
        QVERIFY(states.wait(10000));
        QVERIFY2(llmText().endsWith(u" · loading"_s), qPrintable(llmText()));
        const QString why = m_window->serverPanel()->llmLabel()->toolTip();
        QVERIFY2(why.contains(u"llama-server"_s), qPrintable(why));
        QTRY_VERIFY2_WITH_TIMEOUT(llmText().endsWith(u" · ready"_s), qPrintable(llmText()), 180000);
        QVERIFY(local->processId() != pid);
    }

    void cleanupTestCase() { ConsoleUnderTest::stop(m_window); }
};

QTEST_MAIN(TstLocalModelConsole)
#include "tst_localmodelconsole.moc"
