#include "ui/LlmSetupController.h"

#include "core/Logging.h"
#include "llm/LlmConnectionTest.h"
#include "llm/LlmEndpointProbe.h"
#include "llm/LlmProviderPreset.h"
#include "llm/LlmSetupAdvice.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

using namespace Qt::StringLiterals;

namespace {

constexpr int kListTimeoutMs = 10000;

void setProblemColour(QLabel *label, bool problem) {
    QPalette palette = label->parentWidget() ? label->parentWidget()->palette() : QPalette();
    if (problem)
        palette.setColor(QPalette::WindowText, QColor(0xd3, 0x2f, 0x2f));
    label->setPalette(palette);
}

} // namespace

LlmSetupController::LlmSetupController(const Widgets &widgets, const Config &running,
                                       const QString &storedApiKey, QObject *parent)
    : QObject(parent)
    , m_ui(widgets)
    , m_running(running)
    , m_storedApiKey(storedApiKey)
    , m_probe(new LlmEndpointProbe(QUrl(), QString(), this))
    , m_test(new LlmConnectionTest(this)) {
    m_probe->setIntervalMs(0);
    m_probe->setTimeoutMs(kListTimeoutMs);

    m_ui.provider->addItem(tr("Custom"), QString());
    for (const LlmProviderPreset &preset : LlmProviderPreset::all())
        m_ui.provider->addItem(preset.name, preset.id);
    syncProviderToBaseUrl();
    m_ui.modelStatus->hide();
    m_ui.testResult->hide();
    for (QLabel *label : {m_ui.modelStatus, m_ui.testResult, m_ui.providerHint}) {
        label->setWordWrap(true);
        label->setTextFormat(Qt::PlainText);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }

    connect(m_ui.provider, &QComboBox::activated, this,
            [this](int index) { applyPreset(m_ui.provider->itemData(index).toString()); });
    connect(m_ui.baseUrl, &QLineEdit::textEdited, this, &LlmSetupController::syncProviderToBaseUrl);
    connect(m_ui.listModels, &QPushButton::clicked, this, &LlmSetupController::listModels);
    connect(m_ui.test, &QPushButton::clicked, this, &LlmSetupController::testConnection);

    connect(m_probe, &LlmEndpointProbe::checked, this, [this](const LlmEndpointProbe::Result &r) {
        const QString problem =
            LlmSetupAdvice::forModelList(m_listedUrl, r, !apiKey().isEmpty(), kListTimeoutMs);
        if (!problem.isEmpty()) {
            showModelStatus(problem, true);
            Q_EMIT modelsListed();
            return;
        }
        const QString current = m_ui.model->currentText().trimmed();
        m_ui.model->clear();
        m_ui.model->addItems(r.models);
        m_ui.model->setEditText(current.isEmpty() ? r.models.first() : current);
        const QString url = m_listedUrl.toDisplayString(QUrl::RemoveUserInfo);
        QString text = r.models.size() == 1 ? tr("1 model at %1: pick it or type a name.").arg(url)
                                            : tr("%1 models at %2: pick one or type a name.")
                                                  .arg(QString::number(r.models.size()), url);
        if (!current.isEmpty() && !r.models.contains(current))
            text += u' ' + tr("\"%1\" is not among them.").arg(current);
        showModelStatus(text, false);
        Q_EMIT modelsListed();
    });

    connect(m_test, &LlmConnectionTest::finished, this,
            [this](const LlmConnectionTest::Result &result) {
                m_ui.test->setEnabled(true);
                if (result.ok) {
                    const QString shown = result.model.isEmpty() ? model() : result.model;
                    showTestResult(tr("Answered \"%1\" in %2 ms (model %3).")
                                       .arg(result.answer.simplified(),
                                            QString::number(result.latencyMs), shown),
                                   false);
                } else {
                    showTestResult(result.problem, true);
                }
                Q_EMIT testFinished();
            });
}

LlmSetupController::~LlmSetupController() = default;

QUrl LlmSetupController::baseUrl() const {
    const QString typed = m_ui.baseUrl->text().trimmed();
    if (!typed.isEmpty())
        return QUrl(typed);
    if (m_running.overrides.contains(u"llm/base_url"_s))
        return QUrl(m_running.llmBaseUrl);
    if (!apiKey().isEmpty())
        return QUrl(LlmProviderPreset::find(u"openai"_s)->baseUrl);
    return {};
}

QString LlmSetupController::model() const {
    const QString typed = m_ui.model->currentText().trimmed();
    if (!typed.isEmpty())
        return typed;
    if (m_running.overrides.contains(u"llm/model"_s))
        return m_running.llmModel;
    return Config().llmModel;
}

QString LlmSetupController::apiKey() const {
    if (m_ui.apiKey->isEnabled() && !m_ui.apiKey->text().isEmpty())
        return m_ui.apiKey->text();
    if (m_running.overrides.contains(u"llm/api_key"_s))
        return m_running.llmApiKey;
    return m_ui.removeApiKey->isChecked() ? QString() : m_storedApiKey;
}

void LlmSetupController::applyPreset(const QString &id) {
    const LlmProviderPreset *preset = LlmProviderPreset::find(id);
    showHint(id);
    if (!preset)
        return;
    m_ui.provider->setCurrentIndex(m_ui.provider->findData(id));
    m_ui.baseUrl->setText(preset->baseUrl);
    m_ui.model->clear();
    m_ui.model->setEditText(preset->model);
    if (!preset->needsApiKey)
        m_ui.apiKey->clear();
    // Without a key: a stored one would be sent to another server, and for the bundled model it
    // would make OpenAI the provider.
    m_ui.removeApiKey->setChecked(!preset->needsApiKey && m_ui.removeApiKey->isEnabled());
    m_ui.apiKey->setPlaceholderText(
        preset->needsApiKey
            ? (m_storedApiKey.isEmpty() ? tr("required for %1").arg(preset->name)
                                        : tr("stored (hidden); type a new key to replace it"))
            : tr("not needed for %1").arg(preset->name));
    m_ui.testResult->hide();
    if (preset->isBundledModel()) {
        showModelStatus(tr("The bundled model is started by this program; it needs no base URL, "
                           "model or key."),
                        false);
        return;
    }
    listModels();
}

void LlmSetupController::listModels() {
    m_listedUrl = baseUrl();
    if (m_listedUrl.isEmpty()) {
        showModelStatus(tr("Choose a provider or enter a base URL to list its models."), true);
        Q_EMIT modelsListed();
        return;
    }
    m_probe->setTarget(m_listedUrl, apiKey());
    showModelStatus(
        tr("Reading the model list from %1…")
            .arg(LlmEndpointProbe::modelsUrl(m_listedUrl).toDisplayString(QUrl::RemoveUserInfo)),
        false);
    m_probe->checkNow();
}

void LlmSetupController::testConnection() {
    LlmSettings settings;
    settings.baseUrl = baseUrl();
    settings.model = model();
    settings.apiKey = apiKey();
    if (settings.baseUrl.isEmpty()) {
        showTestResult(tr("No base URL and no API key: the bundled local model answers, started "
                          "by this program (its state is on the LLM row of the server panel). "
                          "Choose a provider or enter a base URL to test a server."),
                       false);
        Q_EMIT testFinished();
        return;
    }
    m_ui.test->setEnabled(false);
    showTestResult(tr("Testing %1 with the model \"%2\"…")
                       .arg(settings.baseUrl.toDisplayString(QUrl::RemoveUserInfo), settings.model),
                   false);
    m_test->start(settings);
}

void LlmSetupController::syncProviderToBaseUrl() {
    const LlmProviderPreset *preset = LlmProviderPreset::forBaseUrl(m_ui.baseUrl->text());
    const QString id = preset ? preset->id : QString();
    m_ui.provider->setCurrentIndex(qMax(0, m_ui.provider->findData(id)));
    showHint(id);
}

void LlmSetupController::showHint(const QString &presetId) {
    const LlmProviderPreset *preset = LlmProviderPreset::find(presetId);
    m_ui.providerHint->setVisible(preset != nullptr);
    if (preset)
        m_ui.providerHint->setText(preset->hint);
}

void LlmSetupController::showModelStatus(const QString &text, bool problem) {
    m_ui.modelStatus->setText(text);
    setProblemColour(m_ui.modelStatus, problem);
    m_ui.modelStatus->setProperty("problem", problem);
    m_ui.modelStatus->show();
}

void LlmSetupController::showTestResult(const QString &text, bool problem) {
    m_ui.testResult->setText(text);
    setProblemColour(m_ui.testResult, problem);
    m_ui.testResult->setProperty("problem", problem);
    m_ui.testResult->show();
    if (problem)
        qCInfo(lcUi).noquote() << "LLM connection test:" << text;
}
