#pragma once

#include "core/Config.h"

#include <QObject>
#include <QString>
#include <QUrl>

class LlmConnectionTest;
class LlmEndpointProbe;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

// The guided LLM setup of the Settings dialog: a provider preset fills base URL, model and key;
// the model list is read from the endpoint (GET {base}/models, LlmEndpointProbe) into the model
// combo box; "Test connection" runs a one-token completion (LlmConnectionTest) and shows the
// answer and its latency, or what to check. Everything is asynchronous; the dialog owns the
// widgets, this only drives them. The values tested are those the fields would mean once saved
// (an empty field: the value in force or the default; no key typed: the stored one).
class LlmSetupController : public QObject {
    Q_OBJECT
public:
    struct Widgets {
        QComboBox *provider = nullptr; // "Custom", then LlmProviderPreset::all(), id as data
        QLabel *providerHint = nullptr;
        QLineEdit *baseUrl = nullptr;
        QComboBox *model = nullptr; // editable
        QLineEdit *apiKey = nullptr;
        QCheckBox *removeApiKey = nullptr;
        QPushButton *listModels = nullptr;
        QLabel *modelStatus = nullptr;
        QPushButton *test = nullptr;
        QLabel *testResult = nullptr;
    };

    LlmSetupController(const Widgets &widgets, const Config &running, const QString &storedApiKey,
                       QObject *parent);
    ~LlmSetupController() override;

    void applyPreset(const QString &id); // "" = Custom: the fields stay as they are
    void listModels();
    void testConnection();

    // What a test or a model list would use now.
    QUrl baseUrl() const;
    QString model() const;
    QString apiKey() const;

Q_SIGNALS:
    void modelsListed(); // the model list came, or why not is shown
    void testFinished(); // the result of a test is shown

private:
    void syncProviderToBaseUrl();
    void showHint(const QString &presetId);
    void showModelStatus(const QString &text, bool problem);
    void showTestResult(const QString &text, bool problem);

    Widgets m_ui;
    Config m_running;
    QString m_storedApiKey;
    LlmEndpointProbe *m_probe;
    LlmConnectionTest *m_test;
    QUrl m_listedUrl;
};
