#pragma once

#include "core/Config.h"
#include "core/ConfigSetting.h"

#include <QDialog>

class LlmSetupController;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

// Edits the config file (Config::configFile, keys as in README's configuration table). Fields
// show the file's values; an empty field means the default, shown as the placeholder. A field
// whose setting the command line or the environment overrides (Config::overrides) says so, and
// its placeholder is the value in force. The API key is never read back into the dialog: a new
// one replaces it. Values are validated with the same rules as start-up (ConfigLoader) before
// anything is written. The LLM rows are a guided setup (LlmSetupController): provider presets,
// the endpoint's model list and a connection test.
class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(const Config &running, QWidget *parent = nullptr);

    // Each entry says what is wrong and what is expected; empty when the values are usable.
    QStringList validate() const;
    // Writes the config file; false with `error` set when it cannot be written.
    bool save(QString *error) const;

    // Whether a server running with `running` must restart to use `reloaded`.
    static bool requiresRestart(const Config &running, const Config &reloaded);

    QLineEdit *hostEdit() const { return m_host; }
    QLineEdit *portEdit() const { return m_port; }
    QLineEdit *databaseUrlEdit() const { return m_databaseUrl; }
    QLineEdit *llmBaseUrlEdit() const { return m_llmBaseUrl; }
    QLineEdit *llmModelEdit() const;
    QComboBox *llmModelBox() const { return m_llmModel; }
    QComboBox *llmProviderBox() const { return m_llmProvider; }
    QPushButton *listModelsButton() const { return m_listModels; }
    QLabel *llmModelStatusLabel() const { return m_llmModelStatus; }
    QPushButton *testConnectionButton() const { return m_testConnection; }
    QLabel *testResultLabel() const { return m_testResult; }
    LlmSetupController *llmSetup() const { return m_llmSetup; }
    QLineEdit *apiKeyEdit() const { return m_apiKey; }
    QCheckBox *removeApiKeyBox() const { return m_removeApiKey; }
    QPlainTextEdit *systemPromptEdit() const { return m_systemPrompt; }
    QLabel *errorLabel() const { return m_errors; }

public Q_SLOTS:
    void accept() override;

private:
    QString overrideNote(ConfigSetting::Id setting) const;
    QString emptyMeans(ConfigSetting::Id setting, const QString &defaultText) const;

    Config m_running;
    bool m_hasStoredKey = false;
    QLineEdit *m_host = nullptr;
    QLineEdit *m_port = nullptr;
    QLineEdit *m_databaseUrl = nullptr;
    QLineEdit *m_llmBaseUrl = nullptr;
    QComboBox *m_llmProvider = nullptr;
    QLabel *m_llmProviderHint = nullptr;
    QComboBox *m_llmModel = nullptr;
    QPushButton *m_listModels = nullptr;
    QLabel *m_llmModelStatus = nullptr;
    QPushButton *m_testConnection = nullptr;
    QLabel *m_testResult = nullptr;
    LlmSetupController *m_llmSetup = nullptr;
    QLineEdit *m_apiKey = nullptr;
    QCheckBox *m_removeApiKey = nullptr;
    QPlainTextEdit *m_systemPrompt = nullptr;
    QLabel *m_errors = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};
