// The guided LLM setup of the Settings dialog (offscreen), against the mock LLM over real HTTP:
// provider presets, the model list read from GET {base}/models, and "Test connection".
#include "fixtures/MockLlmServer.h"
#include "fixtures/TestEnvironment.h"
#include "ui/LlmSetupController.h"
#include "ui/SettingsDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TestLlmSetupDialog : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    Config m_config;

    QString configFile() const { return m_dir.filePath(u"realtime-ai.conf"_s); }

    // Chooses the provider named `name` in the combo box, as a person would.
    static void choose(SettingsDialog &dialog, const QString &name) {
        QComboBox *box = dialog.llmProviderBox();
        const int index = box->findText(name);
        QVERIFY2(index >= 0, qPrintable(name));
        box->setCurrentIndex(index);
        Q_EMIT box->activated(index);
    }

    static QStringList items(const QComboBox *box) {
        QStringList texts;
        for (int i = 0; i < box->count(); ++i)
            texts << box->itemText(i);
        return texts;
    }

    static void waitForTest(SettingsDialog &dialog) {
        QSignalSpy finished(dialog.llmSetup(), &LlmSetupController::testFinished);
        QTest::mouseClick(dialog.testConnectionButton(), Qt::LeftButton);
        if (finished.isEmpty())
            QVERIFY(finished.wait(20000));
        QVERIFY(dialog.testConnectionButton()->isEnabled());
    }

    static void screenshot(QWidget *widget, const QString &name) {
        const QString path = QDir(TestEnvironment::artifactsDir()).filePath(name);
        QVERIFY(widget->grab().save(path));
        qInfo("screenshot: %s", qPrintable(path));
    }

private Q_SLOTS:
    void init() {
        QFile::remove(configFile());
        QSettings file(configFile(), QSettings::IniFormat);
        file.setValue(u"llm/api_key"_s, u"sk-stored-789"_s);
        file.sync();
        m_config = Config();
        m_config.configFile = configFile();
        m_config.llmApiKey = u"sk-stored-789"_s;
    }

    void presetsFillTheFields() {
        SettingsDialog dialog(m_config);
        QCOMPARE(dialog.llmProviderBox()->currentText(), u"Custom"_s);
        QCOMPARE(items(dialog.llmProviderBox()),
                 (QStringList{u"Custom"_s, u"OpenAI"_s, u"Ollama"_s, u"LM Studio"_s, u"vLLM"_s,
                              u"llama.cpp llama-server"_s, u"Bundled local model"_s}));

        choose(dialog, u"Ollama"_s);
        QCOMPARE(dialog.llmBaseUrlEdit()->text(), u"http://127.0.0.1:11434/v1"_s);
        QCOMPARE(dialog.llmModelEdit()->text(), u"llama3.2"_s);
        QVERIFY(dialog.removeApiKeyBox()->isChecked()); // Ollama needs no key
        QVERIFY(dialog.apiKeyEdit()->placeholderText().contains(u"not needed"_s));
        QVERIFY(dialog.apiKeyEdit()->text().isEmpty());
        const QLabel *hint = dialog.findChild<QLabel *>(u"llmProviderHint"_s);
        QVERIFY(hint && !hint->isHidden());
        QVERIFY2(hint->text().contains(u"ollama serve"_s), qPrintable(hint->text()));

        choose(dialog, u"LM Studio"_s);
        QCOMPARE(dialog.llmBaseUrlEdit()->text(), u"http://127.0.0.1:1234/v1"_s);
        QCOMPARE(dialog.llmModelEdit()->text(), QString()); // the server's loaded model
        choose(dialog, u"vLLM"_s);
        QCOMPARE(dialog.llmBaseUrlEdit()->text(), u"http://127.0.0.1:8000/v1"_s);
        choose(dialog, u"llama.cpp llama-server"_s);
        QCOMPARE(dialog.llmBaseUrlEdit()->text(), u"http://127.0.0.1:8080/v1"_s);

        dialog.apiKeyEdit()->setText(u"sk-typed-first"_s);
        choose(dialog, u"OpenAI"_s);
        QCOMPARE(dialog.llmBaseUrlEdit()->text(), u"https://api.openai.com/v1"_s);
        QCOMPARE(dialog.apiKeyEdit()->text(), u"sk-typed-first"_s); // a typed key is kept
        QCOMPARE(dialog.llmModelEdit()->text(), u"gpt-4o-mini"_s);
        QVERIFY(!dialog.removeApiKeyBox()->isChecked()); // the stored key is kept
        QVERIFY(dialog.apiKeyEdit()->isEnabled());

        choose(dialog, u"Bundled local model"_s);
        QCOMPARE(dialog.llmBaseUrlEdit()->text(), QString());
        QCOMPARE(dialog.llmModelEdit()->text(), QString());
        QVERIFY(dialog.removeApiKeyBox()->isChecked()); // else the key would mean OpenAI

        // Saved, the bundled model's fields leave base URL and key out of the file.
        dialog.accept();
        QVERIFY2(dialog.result() == QDialog::Accepted, qPrintable(dialog.errorLabel()->text()));
        const QSettings file(configFile(), QSettings::IniFormat);
        QVERIFY(!file.contains(u"llm/base_url"_s));
        QVERIFY(!file.contains(u"llm/api_key"_s));
    }

    void aTypedBaseUrlSelectsItsProvider() {
        QSettings(configFile(), QSettings::IniFormat)
            .setValue(u"llm/base_url"_s, u"http://localhost:11434/v1/"_s);
        SettingsDialog dialog(m_config);
        QCOMPARE(dialog.llmProviderBox()->currentText(), u"Ollama"_s);
        dialog.llmBaseUrlEdit()->clear();
        QTest::keyClicks(dialog.llmBaseUrlEdit(), u"http://127.0.0.1:1234/v1"_s);
        QCOMPARE(dialog.llmProviderBox()->currentText(), u"LM Studio"_s);
        QTest::keyClicks(dialog.llmBaseUrlEdit(), u"x"_s);
        QCOMPARE(dialog.llmProviderBox()->currentText(), u"Custom"_s);
    }

    void theModelListComesFromTheEndpoint() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        mock.setModels({u"llama3.2:latest"_s, u"qwen2.5:7b"_s, u"phi4"_s});
        SettingsDialog dialog(m_config);
        dialog.show();
        dialog.llmBaseUrlEdit()->setText(mock.baseUrl().toString());
        QSignalSpy listed(dialog.llmSetup(), &LlmSetupController::modelsListed);
        QTest::mouseClick(dialog.listModelsButton(), Qt::LeftButton);
        QVERIFY(listed.wait(15000));
        QCOMPARE(items(dialog.llmModelBox()),
                 (QStringList{u"llama3.2:latest"_s, u"qwen2.5:7b"_s, u"phi4"_s}));
        QCOMPARE(dialog.llmModelEdit()->text(), u"llama3.2:latest"_s); // the field was empty
        QCOMPARE(dialog.llmModelStatusLabel()->text(),
                 u"3 models at %1: pick one or type a name."_s.arg(mock.baseUrl().toString()));
        QCOMPARE(dialog.llmModelStatusLabel()->property("problem").toBool(), false);
        // The stored key is sent, though never shown.
        QCOMPARE(mock.lastModelsRequest().header("authorization"),
                 QByteArray("Bearer sk-stored-789"));
        QCOMPARE(dialog.apiKeyEdit()->text(), QString());
        screenshot(&dialog, u"settings-llm-models.png"_s);

        // A typed model that the server does not list is kept, and said so.
        dialog.llmModelEdit()->setText(u"mistral"_s);
        QTest::mouseClick(dialog.listModelsButton(), Qt::LeftButton);
        QVERIFY(listed.wait(15000));
        QCOMPARE(dialog.llmModelEdit()->text(), u"mistral"_s);
        QVERIFY(dialog.llmModelStatusLabel()->text().endsWith(u"\"mistral\" is not among them."_s));
    }

    void aFailedModelListSaysWhy() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        mock.setModelsStatus(404);
        SettingsDialog dialog(m_config);
        dialog.llmBaseUrlEdit()->setText(mock.baseUrl().toString());
        dialog.llmModelEdit()->setText(u"kept"_s);
        QSignalSpy listed(dialog.llmSetup(), &LlmSetupController::modelsListed);
        QTest::mouseClick(dialog.listModelsButton(), Qt::LeftButton);
        QVERIFY(listed.wait(15000));
        QCOMPARE(dialog.llmModelStatusLabel()->property("problem").toBool(), true);
        QVERIFY2(
            dialog.llmModelStatusLabel()->text().startsWith(
                u"The server has no model list at %1/models (HTTP 404): check the base URL"_s.arg(
                    mock.baseUrl().toString())),
            qPrintable(dialog.llmModelStatusLabel()->text()));
        QCOMPARE(dialog.llmModelEdit()->text(), u"kept"_s);
    }

    void choosingAPresetListsItsModels() {
        // The preset's address is not ours to listen on; the mock stands behind a custom URL
        // afterwards to show the list follows the fields.
        MockLlmServer mock;
        QVERIFY(mock.listen());
        SettingsDialog dialog(m_config);
        QSignalSpy listed(dialog.llmSetup(), &LlmSetupController::modelsListed);
        choose(dialog, u"LM Studio"_s);
        QVERIFY(!dialog.llmModelStatusLabel()->isHidden());
        QVERIFY(
            dialog.llmModelStatusLabel()->text().contains(u"http://127.0.0.1:1234/v1/models"_s));
        dialog.llmBaseUrlEdit()->setText(mock.baseUrl().toString());
        QTest::mouseClick(dialog.listModelsButton(), Qt::LeftButton);
        QVERIFY(listed.wait(15000));
        QCOMPARE(items(dialog.llmModelBox()), QStringList{u"mock-llm"_s});
        QCOMPARE(dialog.llmModelEdit()->text(), u"mock-llm"_s);
        // LM Studio needs no key: none was sent.
        QCOMPARE(mock.lastModelsRequest().header("authorization"), QByteArray());
    }

    void testConnectionShowsTheAnswerAndLatency() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        mock.enqueue(MockLlmReply::text(u"Hello"_s));
        SettingsDialog dialog(m_config);
        dialog.show();
        dialog.llmBaseUrlEdit()->setText(mock.baseUrl().toString());
        dialog.llmModelEdit()->setText(u"tiny"_s);
        dialog.apiKeyEdit()->setText(u"sk-typed-1"_s);
        waitForTest(dialog);
        const QString shown = dialog.testResultLabel()->text();
        QVERIFY2(QRegularExpression(u"^Answered \"Hello\" in \\d+ ms \\(model tiny\\)\\.$"_s)
                     .match(shown)
                     .hasMatch(),
                 qPrintable(shown));
        QCOMPARE(dialog.testResultLabel()->property("problem").toBool(), false);
        QCOMPARE(mock.requestCount(), 1);
        QCOMPARE(mock.lastRequest().json.value(u"max_tokens"_s).toInt(), 1);
        QCOMPARE(mock.lastRequest().json.value(u"model"_s).toString(), u"tiny"_s);
        QCOMPARE(mock.lastRequest().header("authorization"), QByteArray("Bearer sk-typed-1"));
        screenshot(&dialog, u"settings-llm-test-ok.png"_s);
        // Testing saves nothing.
        QVERIFY(!QSettings(configFile(), QSettings::IniFormat).contains(u"llm/base_url"_s));
    }

    void testConnectionToAClosedPortIsRefused() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        const quint16 port = mock.port();
        mock.stopListening();
        SettingsDialog dialog(m_config);
        dialog.show();
        dialog.llmBaseUrlEdit()->setText(u"http://127.0.0.1:%1/v1"_s.arg(port));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"request failed: unavailable"_s));
        waitForTest(dialog);
        QCOMPARE(dialog.testResultLabel()->text(),
                 u"Connection refused: nothing is listening at 127.0.0.1:%1. Start the LLM "
                 "server, or check the host and port of the base URL."_s.arg(port));
        QCOMPARE(dialog.testResultLabel()->property("problem").toBool(), true);
        screenshot(&dialog, u"settings-llm-test-refused.png"_s);
    }

    void testConnectionNamesTheKeyOrTheBaseUrl() {
        MockLlmServer mock;
        QVERIFY(mock.listen());
        SettingsDialog dialog(m_config);
        dialog.llmBaseUrlEdit()->setText(mock.baseUrl().toString());
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"request failed: auth"_s));
        mock.enqueue(MockLlmReply::httpError(401, u"Incorrect API key provided"_s));
        waitForTest(dialog);
        QVERIFY2(dialog.testResultLabel()->text().contains(u"check the API key"_s),
                 qPrintable(dialog.testResultLabel()->text()));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"request failed: bad_request"_s));
        mock.enqueue(MockLlmReply::httpError(404, u"no such route"_s));
        waitForTest(dialog);
        QVERIFY2(dialog.testResultLabel()->text().contains(u"check the base URL"_s),
                 qPrintable(dialog.testResultLabel()->text()));
    }

    void theBundledModelNeedsNoTest() {
        m_config.llmApiKey.clear();
        QSettings(configFile(), QSettings::IniFormat).remove(u"llm/api_key"_s);
        SettingsDialog dialog(m_config);
        choose(dialog, u"Bundled local model"_s);
        waitForTest(dialog);
        QVERIFY(dialog.testResultLabel()->text().contains(u"the bundled local model answers"_s));
        QCOMPARE(dialog.testResultLabel()->property("problem").toBool(), false);
    }
};

QTEST_MAIN(TestLlmSetupDialog)
#include "tst_llmsetupdialog.moc"
