#include "core/ConfigLoader.h"
#include "ui/SettingsDialog.h"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {
QStringList g_messages;
void captureMessage(QtMsgType, const QMessageLogContext &, const QString &message) {
    g_messages << message;
}
} // namespace

class TestSettingsDialog : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    Config m_config;

    QString configFile() const { return m_dir.filePath(u"realtime-ai.conf"_s); }

private Q_SLOTS:
    void init() {
        QFile::remove(configFile());
        QSettings file(configFile(), QSettings::IniFormat);
        file.setValue(u"server/port"_s, u"8123"_s);
        file.setValue(u"llm/model"_s, u"llama3"_s);
        file.setValue(u"llm/api_key"_s, u"sk-secret-123"_s);
        file.sync();
        m_config = Config();
        m_config.configFile = configFile();
        m_config.port = 8123;
        m_config.llmModel = u"llama3"_s;
        m_config.llmApiKey = u"sk-secret-123"_s;
    }

    void showsFileValuesButNeverTheKey() {
        SettingsDialog dialog(m_config);
        QCOMPARE(dialog.portEdit()->text(), u"8123"_s);
        QCOMPARE(dialog.llmModelEdit()->text(), u"llama3"_s);
        QCOMPARE(dialog.hostEdit()->text(), QString());
        QCOMPARE(dialog.hostEdit()->placeholderText(), u"127.0.0.1"_s);
        QCOMPARE(dialog.apiKeyEdit()->text(), QString());
        QCOMPARE(dialog.apiKeyEdit()->echoMode(), QLineEdit::Password);
        QVERIFY(!dialog.apiKeyEdit()->placeholderText().contains(u"sk-secret"_s));
        QVERIFY(dialog.removeApiKeyBox()->isEnabled());
    }

    void validValuesPass() {
        SettingsDialog dialog(m_config);
        dialog.hostEdit()->setText(u"0.0.0.0"_s);
        dialog.databaseUrlEdit()->setText(u"postgresql://me:pw@db.example.com:5432/rtai"_s);
        dialog.llmBaseUrlEdit()->setText(u"http://127.0.0.1:11434/v1"_s);
        QCOMPARE(dialog.validate(), QStringList());
        dialog.databaseUrlEdit()->setText(u"sqlite:///tmp/x.db"_s);
        QCOMPARE(dialog.validate(), QStringList());
    }

    void badValuesHaveClearMessages_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("message");
        QTest::newRow("port") << u"port"_s << u"99999"_s
                              << u"port '99999' is not a number from 0 to 65535"_s;
        QTest::newRow("port text") << u"port"_s << u"eighty"_s << u"port 'eighty'"_s;
        QTest::newRow("host") << u"host"_s << u"my host"_s << u"host 'my host' is not an IP"_s;
        QTest::newRow("llm url") << u"llm"_s << u"ftp://x"_s
                                 << u"LLM base URL 'ftp://x' is not an http(s) URL"_s;
        QTest::newRow("db scheme") << u"db"_s << u"mysql://x/y"_s
                                   << u"database URL: unsupported database URL scheme \"mysql\""_s;
        QTest::newRow("db relative sqlite")
            << u"db"_s << u"sqlite://data.db"_s << u"a sqlite URL needs an absolute path"_s;
        QTest::newRow("db postgres")
            << u"db"_s << u"postgresql://host-only"_s << u"has no database name"_s;
        QTest::newRow("api key") << u"key"_s << u" sk-1\n"_s << u"spaces or line breaks"_s;
    }

    void badValuesHaveClearMessages() {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, message);
        SettingsDialog dialog(m_config);
        QLineEdit *edit = field == u"port"   ? dialog.portEdit()
                          : field == u"host" ? dialog.hostEdit()
                          : field == u"llm"  ? dialog.llmBaseUrlEdit()
                          : field == u"db"   ? dialog.databaseUrlEdit()
                                             : dialog.apiKeyEdit();
        edit->setText(value);
        const QStringList errors = dialog.validate();
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors.first().contains(message), qPrintable(errors.first()));
    }

    void invalidSettingsAreNotSaved() {
        SettingsDialog dialog(m_config);
        dialog.portEdit()->setText(u"-1"_s);
        dialog.llmModelEdit()->setText(u"other"_s);
        dialog.show();
        dialog.accept();
        QVERIFY(dialog.isVisible());
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY(dialog.errorLabel()->isVisible());
        QVERIFY(dialog.errorLabel()->text().contains(u"port '-1'"_s));
        QCOMPARE(QSettings(configFile(), QSettings::IniFormat).value(u"llm/model"_s).toString(),
                 u"llama3"_s);
    }

    void savesKeysTheLoaderReads() {
        SettingsDialog dialog(m_config);
        dialog.hostEdit()->setText(u"0.0.0.0"_s);
        dialog.portEdit()->setText(u"9000"_s);
        dialog.databaseUrlEdit()->setText(u"sqlite:///tmp/console-test.db"_s);
        dialog.llmBaseUrlEdit()->setText(u"http://127.0.0.1:11434/v1"_s);
        dialog.llmModelEdit()->clear(); // back to the default
        dialog.systemPromptEdit()->setPlainText(u"Be brief."_s);
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Accepted));

        const ConfigLoadResult loaded = ConfigLoader::load(
            {u"realtime-ai"_s, u"--config"_s, configFile()}, QProcessEnvironment(), m_dir.path());
        QCOMPARE(loaded.errors, QStringList());
        QCOMPARE(loaded.config.host, u"0.0.0.0"_s);
        QCOMPARE(loaded.config.port, quint16(9000));
        QCOMPARE(loaded.config.databaseUrl, u"sqlite:///tmp/console-test.db"_s);
        QCOMPARE(loaded.config.llmBaseUrl, u"http://127.0.0.1:11434/v1"_s);
        QCOMPARE(loaded.config.llmModel, u"gpt-4o-mini"_s);
        QCOMPARE(loaded.config.systemPrompt, u"Be brief."_s);
        QCOMPARE(loaded.config.llmApiKey, u"sk-secret-123"_s); // untouched when left empty
        QVERIFY(SettingsDialog::requiresRestart(m_config, loaded.config));
        QVERIFY(!SettingsDialog::requiresRestart(loaded.config, loaded.config));
    }

    void replacesAndRemovesTheKeyWithoutLoggingIt() {
        g_messages.clear();
        const QtMessageHandler previous = qInstallMessageHandler(captureMessage);
        {
            SettingsDialog dialog(m_config);
            dialog.apiKeyEdit()->setText(u"sk-new-456"_s);
            dialog.accept();
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
        }
        qInstallMessageHandler(previous);
        QCOMPARE(QSettings(configFile(), QSettings::IniFormat).value(u"llm/api_key"_s).toString(),
                 u"sk-new-456"_s);
        for (const QString &message : std::as_const(g_messages))
            QVERIFY2(!message.contains(u"sk-new"_s), qPrintable(message));

        SettingsDialog dialog(m_config);
        dialog.removeApiKeyBox()->setChecked(true);
        QVERIFY(!dialog.apiKeyEdit()->isEnabled());
        dialog.accept();
        QVERIFY(!QSettings(configFile(), QSettings::IniFormat).contains(u"llm/api_key"_s));
    }

    bool hasNote(const SettingsDialog &dialog, const QString &text) {
        for (const QLabel *label : dialog.findChildren<QLabel *>())
            if (label->text().contains(text))
                return true;
        return false;
    }

    void tellsWhenTheEnvironmentOrCommandLineWins() {
        m_config.llmBaseUrl = u"http://10.0.0.1/v1"_s;
        m_config.overrides.insert(u"llm/base_url"_s, u"OPENAI_BASE_URL"_s);
        m_config.port = 9000;
        m_config.overrides.insert(u"server/port"_s, u"--port"_s);
        SettingsDialog dialog(m_config);
        QVERIFY(hasNote(dialog, u"OPENAI_BASE_URL is set in the environment"_s));
        QVERIFY(hasNote(dialog, u"--port on the command line takes precedence"_s));
        QVERIFY(!hasNote(dialog, u"LLM_MODEL"_s));
        // The file's value is shown; cleared, the field shows the value still in force.
        QCOMPARE(dialog.portEdit()->text(), u"8123"_s);
        QCOMPARE(dialog.portEdit()->placeholderText(), u"9000"_s);
        QCOMPARE(dialog.llmBaseUrlEdit()->placeholderText(), u"http://10.0.0.1/v1"_s);
    }

    void aClearedFieldShowsTheDefault() {
        // Running with the file's port and model: cleared, they mean the defaults, not those.
        SettingsDialog dialog(m_config);
        QCOMPARE(dialog.portEdit()->placeholderText(), u"8000"_s);
        QCOMPARE(dialog.llmModelEdit()->placeholderText(), u"gpt-4o-mini"_s);
        m_config.dataDir = m_dir.path();
        m_config.databaseUrl = u"postgresql://me:pw@db.example.com/rtai"_s;
        SettingsDialog withData(m_config);
        QCOMPARE(withData.databaseUrlEdit()->placeholderText(),
                 u"sqlite://"_s + m_dir.path() + u"/realtime-ai.db"_s);
    }

    void aHostThatIsANumberIsRefused() {
        SettingsDialog dialog(m_config);
        dialog.hostEdit()->setText(u"99999"_s);
        const QStringList errors = dialog.validate();
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors.first().contains(u"host '99999' is not an IP address"_s),
                 qPrintable(errors.first()));
    }
};

QTEST_MAIN(TestSettingsDialog)
#include "tst_settingsdialog.moc"
