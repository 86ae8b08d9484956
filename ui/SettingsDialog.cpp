#include "ui/SettingsDialog.h"

#include "core/ConfigLoader.h"
#include "core/ConfigTable.h"
#include "core/Logging.h"
#include "storage/DatabaseUrl.h"
#include "ui/LlmSetupController.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {

using Id = ConfigSetting::Id;

QString keyOf(Id id) {
    return ConfigTable::setting(id).key;
}

} // namespace

namespace {

QString databaseUrlError(const QString &text) {
    if (text.isEmpty())
        return {};
    QString error;
    if (DatabaseUrl::parse(text, &error))
        return {};
    return u"database URL: "_s + error;
}

void writeOrRemove(QSettings &settings, const QString &key, const QString &value) {
    if (value.isEmpty())
        settings.remove(key);
    else
        settings.setValue(key, value);
}

} // namespace

SettingsDialog::SettingsDialog(const Config &running, QWidget *parent)
    : QDialog(parent)
    , m_running(running) {
    setWindowTitle(tr("Settings"));
    const QSettings file(running.configFile, QSettings::IniFormat);
    const auto stored = [&file](const QString &key) { return file.value(key).toString(); };
    const Config defaults;

    m_host = new QLineEdit(stored(keyOf(Id::Host)), this);
    m_host->setPlaceholderText(emptyMeans(Id::Host, defaults.host));
    m_port = new QLineEdit(stored(keyOf(Id::Port)), this);
    m_port->setPlaceholderText(emptyMeans(Id::Port, QString::number(defaults.port)));
    m_databaseUrl = new QLineEdit(stored(keyOf(Id::DatabaseUrl)), this);
    const QString databaseUrl = running.overrides.contains(keyOf(Id::DatabaseUrl))
                                    ? running.databaseUrl
                                    : ConfigLoader::defaultDatabaseUrl(running.dataDir);
    if (const std::optional<DatabaseUrl> url = DatabaseUrl::parse(databaseUrl, nullptr))
        m_databaseUrl->setPlaceholderText(url->redacted());
    m_llmBaseUrl = new QLineEdit(stored(keyOf(Id::LlmBaseUrl)), this);
    m_llmBaseUrl->setPlaceholderText(
        emptyMeans(Id::LlmBaseUrl, tr("automatic: OpenAI with an API key, else the local model")));
    m_llmModel = new QComboBox(this);
    m_llmModel->setEditable(true);
    m_llmModel->setInsertPolicy(QComboBox::NoInsert);
    m_llmModel->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_llmModel->setEditText(stored(keyOf(Id::LlmModel)));
    m_llmModel->lineEdit()->setPlaceholderText(emptyMeans(Id::LlmModel, defaults.llmModel));
    const QString storedKey = stored(keyOf(Id::LlmApiKey));
    m_hasStoredKey = !storedKey.isEmpty();
    m_apiKey = new QLineEdit(this);
    m_apiKey->setEchoMode(QLineEdit::Password);
    m_apiKey->setPlaceholderText(
        m_hasStoredKey ? tr("stored (hidden); type a new key to replace it") : tr("not set"));
    m_removeApiKey = new QCheckBox(tr("Remove the stored key"), this);
    m_removeApiKey->setEnabled(m_hasStoredKey);
    connect(m_removeApiKey, &QCheckBox::toggled, m_apiKey, &QLineEdit::setDisabled);

    m_llmProvider = new QComboBox(this);
    m_llmProvider->setObjectName(u"llmProvider"_s);
    m_llmProviderHint = new QLabel(this);
    m_llmProviderHint->setObjectName(u"llmProviderHint"_s);
    m_llmProviderHint->setEnabled(false);
    m_listModels = new QPushButton(tr("&List models"), this);
    m_llmModelStatus = new QLabel(this);
    m_llmModelStatus->setObjectName(u"llmModelStatus"_s);
    m_testConnection = new QPushButton(tr("&Test connection"), this);
    m_testResult = new QLabel(this);
    m_testResult->setObjectName(u"llmTestResult"_s);
    m_llmSetup = new LlmSetupController({m_llmProvider, m_llmProviderHint, m_llmBaseUrl, m_llmModel,
                                         m_apiKey, m_removeApiKey, m_listModels, m_llmModelStatus,
                                         m_testConnection, m_testResult},
                                        running, storedKey, this);
    m_systemPrompt = new QPlainTextEdit(stored(keyOf(Id::SystemPrompt)), this);
    m_systemPrompt->setPlaceholderText(emptyMeans(Id::SystemPrompt, defaults.systemPrompt));
    m_systemPrompt->setTabChangesFocus(true);

    auto *form = new QFormLayout;
    const auto addRow = [this, form](const QString &label, QWidget *field, Id setting) {
        form->addRow(label, field);
        const QString note = overrideNote(setting);
        if (!note.isEmpty()) {
            auto *noteLabel = new QLabel(note, this);
            noteLabel->setWordWrap(true);
            noteLabel->setEnabled(false);
            form->addRow(QString(), noteLabel);
        }
    };
    addRow(tr("&Host"), m_host, Id::Host);
    addRow(tr("&Port"), m_port, Id::Port);
    addRow(tr("&Database URL"), m_databaseUrl, Id::DatabaseUrl);
    form->addRow(tr("LLM p&rovider"), m_llmProvider);
    form->addRow(QString(), m_llmProviderHint);
    addRow(tr("LLM &base URL"), m_llmBaseUrl, Id::LlmBaseUrl);
    auto *modelRow = new QHBoxLayout;
    modelRow->addWidget(m_llmModel, 1);
    modelRow->addWidget(m_listModels);
    auto *modelLabel = new QLabel(tr("LLM &model"), this);
    modelLabel->setBuddy(m_llmModel);
    form->addRow(modelLabel, modelRow);
    if (const QString note = overrideNote(Id::LlmModel); !note.isEmpty()) {
        auto *noteLabel = new QLabel(note, this);
        noteLabel->setWordWrap(true);
        noteLabel->setEnabled(false);
        form->addRow(QString(), noteLabel);
    }
    form->addRow(QString(), m_llmModelStatus);
    addRow(tr("API &key"), m_apiKey, Id::LlmApiKey);
    form->addRow(QString(), m_removeApiKey);
    auto *testRow = new QHBoxLayout;
    testRow->addWidget(m_testConnection);
    testRow->addStretch(1);
    form->addRow(QString(), testRow);
    form->addRow(QString(), m_testResult);
    addRow(tr("&System prompt"), m_systemPrompt, Id::SystemPrompt);

    m_errors = new QLabel(this);
    m_errors->setObjectName(u"settingsErrors"_s);
    m_errors->setWordWrap(true);
    m_errors->setTextFormat(Qt::PlainText);
    QPalette errorPalette = m_errors->palette();
    errorPalette.setColor(QPalette::WindowText, QColor(0xd3, 0x2f, 0x2f));
    m_errors->setPalette(errorPalette);
    m_errors->hide();

    auto *fileLabel = new QLabel(tr("Saved to %1. Empty fields use the default shown in grey; "
                                    "command-line options and the environment take precedence.")
                                     .arg(QDir::toNativeSeparators(running.configFile)),
                                 this);
    fileLabel->setWordWrap(true);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(fileLabel);
    layout->addWidget(m_errors);
    layout->addWidget(m_buttons);
    resize(640, sizeHint().height());
}

QLineEdit *SettingsDialog::llmModelEdit() const {
    return m_llmModel->lineEdit();
}

QString SettingsDialog::overrideNote(Id setting) const {
    const QString source = m_running.overrides.value(keyOf(setting));
    if (source.isEmpty())
        return {};
    if (source.startsWith(u"--"))
        return tr("%1 on the command line takes precedence over this value: what you save here "
                  "applies once the program runs without it.")
            .arg(source);
    return tr("%1 is set in the environment and takes precedence over this value: what you save "
              "here applies once it is unset.")
        .arg(source);
}

QString SettingsDialog::emptyMeans(Id setting, const QString &defaultText) const {
    if (m_running.overrides.contains(keyOf(setting)))
        return ConfigTable::setting(setting).current(m_running);
    return defaultText;
}

QStringList SettingsDialog::validate() const {
    // The start-up rules, applied to a config file holding just these values.
    QTemporaryDir dir;
    if (!dir.isValid())
        return {tr("cannot create a temporary directory to check the settings: %1")
                    .arg(dir.errorString())};
    const QString path = dir.filePath(u"check.conf"_s);
    // Created even when every field is empty (QSettings writes no file then), as --config wants it.
    if (QFile file(path); !file.open(QIODevice::WriteOnly))
        return {tr("cannot create a file to check the settings: %1").arg(file.errorString())};
    {
        QSettings candidate(path, QSettings::IniFormat);
        writeOrRemove(candidate, keyOf(Id::Host), m_host->text().trimmed());
        writeOrRemove(candidate, keyOf(Id::Port), m_port->text().trimmed());
        writeOrRemove(candidate, keyOf(Id::LlmBaseUrl), m_llmBaseUrl->text().trimmed());
        writeOrRemove(candidate, keyOf(Id::LlmModel), m_llmModel->currentText().trimmed());
        candidate.sync();
    }
    const ConfigLoadResult result = ConfigLoader::load({u"realtime-ai"_s, u"--config"_s, path},
                                                       QProcessEnvironment(), dir.path());
    QStringList errors = result.errors;
    const QString databaseError = databaseUrlError(m_databaseUrl->text().trimmed());
    if (!databaseError.isEmpty())
        errors << databaseError;
    const QString key = m_apiKey->text();
    if (!key.isEmpty() && (key.trimmed() != key || key.contains(u'\n')))
        errors << tr("the API key has spaces or line breaks around it; paste the key alone");
    return errors;
}

bool SettingsDialog::save(QString *error) const {
    const QFileInfo info(m_running.configFile);
    if (!QDir().mkpath(info.absolutePath())) {
        *error = tr("cannot create the folder %1 for the config file").arg(info.absolutePath());
        return false;
    }
    QSettings file(m_running.configFile, QSettings::IniFormat);
    writeOrRemove(file, keyOf(Id::Host), m_host->text().trimmed());
    writeOrRemove(file, keyOf(Id::Port), m_port->text().trimmed());
    writeOrRemove(file, keyOf(Id::DatabaseUrl), m_databaseUrl->text().trimmed());
    writeOrRemove(file, keyOf(Id::LlmBaseUrl), m_llmBaseUrl->text().trimmed());
    writeOrRemove(file, keyOf(Id::LlmModel), m_llmModel->currentText().trimmed());
    if (m_removeApiKey->isChecked())
        file.remove(keyOf(Id::LlmApiKey));
    else if (!m_apiKey->text().isEmpty())
        file.setValue(keyOf(Id::LlmApiKey), m_apiKey->text());
    const QString prompt = m_systemPrompt->toPlainText().trimmed();
    writeOrRemove(file, keyOf(Id::SystemPrompt), prompt);
    file.sync();
    if (file.status() != QSettings::NoError) {
        *error = tr("cannot write the config file %1; check that it is writable")
                     .arg(m_running.configFile);
        return false;
    }
    qCInfo(lcUi).noquote() << "settings saved to" << m_running.configFile;
    return true;
}

bool SettingsDialog::requiresRestart(const Config &running, const Config &reloaded) {
    // Every setting is read once, at start.
    for (const ConfigSetting &setting : ConfigTable::settings()) {
        if (setting.current(running) != setting.current(reloaded))
            return true;
    }
    return false;
}

void SettingsDialog::accept() {
    const QStringList errors = validate();
    if (!errors.isEmpty()) {
        m_errors->setText(errors.join(u'\n'));
        m_errors->show();
        return;
    }
    QString error;
    if (!save(&error)) {
        m_errors->setText(error);
        m_errors->show();
        return;
    }
    QDialog::accept();
}
