#include "ui/SettingsDialog.h"

#include "core/ConfigLoader.h"
#include "core/Logging.h"
#include "storage/DatabaseUrl.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Key {
const QString Host = u"server/host"_s;
const QString Port = u"server/port"_s;
const QString DatabaseUrl = u"database/url"_s;
const QString LlmBaseUrl = u"llm/base_url"_s;
const QString LlmModel = u"llm/model"_s;
const QString ApiKey = u"llm/api_key"_s;
const QString SystemPrompt = u"chat/system_prompt"_s;
} // namespace Key

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

SettingsDialog::SettingsDialog(const Config &running, const QProcessEnvironment &environment,
                               QWidget *parent)
    : QDialog(parent)
    , m_running(running)
    , m_environment(environment) {
    setWindowTitle(tr("Settings"));
    const QSettings file(running.configFile, QSettings::IniFormat);
    const auto stored = [&file](const QString &key) { return file.value(key).toString(); };

    m_host = new QLineEdit(stored(Key::Host), this);
    m_host->setPlaceholderText(running.host);
    m_port = new QLineEdit(stored(Key::Port), this);
    m_port->setPlaceholderText(QString::number(running.port));
    m_databaseUrl = new QLineEdit(stored(Key::DatabaseUrl), this);
    if (const std::optional<DatabaseUrl> url = DatabaseUrl::parse(running.databaseUrl, nullptr))
        m_databaseUrl->setPlaceholderText(url->redacted());
    m_llmBaseUrl = new QLineEdit(stored(Key::LlmBaseUrl), this);
    m_llmBaseUrl->setPlaceholderText(running.llmBaseUrl.isEmpty() ? tr("none configured")
                                                                  : running.llmBaseUrl);
    m_llmModel = new QLineEdit(stored(Key::LlmModel), this);
    m_llmModel->setPlaceholderText(running.llmModel);
    m_hasStoredKey = !stored(Key::ApiKey).isEmpty();
    m_apiKey = new QLineEdit(this);
    m_apiKey->setEchoMode(QLineEdit::Password);
    m_apiKey->setPlaceholderText(
        m_hasStoredKey ? tr("stored (hidden); type a new key to replace it") : tr("not set"));
    m_removeApiKey = new QCheckBox(tr("Remove the stored key"), this);
    m_removeApiKey->setEnabled(m_hasStoredKey);
    connect(m_removeApiKey, &QCheckBox::toggled, m_apiKey, &QLineEdit::setDisabled);
    m_systemPrompt = new QPlainTextEdit(stored(Key::SystemPrompt), this);
    m_systemPrompt->setPlaceholderText(running.systemPrompt);
    m_systemPrompt->setTabChangesFocus(true);

    auto *form = new QFormLayout;
    const auto addRow = [this, form](const QString &label, QWidget *field,
                                     const QStringList &variables) {
        form->addRow(label, field);
        const QString note = overrideNote(variables);
        if (!note.isEmpty()) {
            auto *noteLabel = new QLabel(note, this);
            noteLabel->setWordWrap(true);
            noteLabel->setEnabled(false);
            form->addRow(QString(), noteLabel);
        }
    };
    addRow(tr("&Host"), m_host, {u"RTAI_HOST"_s});
    addRow(tr("&Port"), m_port, {u"RTAI_PORT"_s});
    addRow(tr("&Database URL"), m_databaseUrl, {u"DATABASE_URL"_s, u"SUPABASE_DB_URL"_s});
    addRow(tr("LLM &base URL"), m_llmBaseUrl, {u"OPENAI_BASE_URL"_s});
    addRow(tr("LLM &model"), m_llmModel, {u"LLM_MODEL"_s});
    addRow(tr("API &key"), m_apiKey, {u"OPENAI_API_KEY"_s});
    form->addRow(QString(), m_removeApiKey);
    addRow(tr("&System prompt"), m_systemPrompt, {u"RTAI_SYSTEM_PROMPT"_s});

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

QString SettingsDialog::overrideNote(const QStringList &variables) const {
    for (const QString &variable : variables) {
        if (!m_environment.value(variable).isEmpty())
            return tr("%1 is set in the environment and takes precedence over this value.")
                .arg(variable);
    }
    return {};
}

QStringList SettingsDialog::validate() const {
    // The start-up rules, applied to a config file holding just these values.
    QTemporaryDir dir;
    if (!dir.isValid())
        return {tr("cannot create a temporary directory to check the settings: %1")
                    .arg(dir.errorString())};
    const QString path = dir.filePath(u"check.conf"_s);
    {
        QSettings candidate(path, QSettings::IniFormat);
        writeOrRemove(candidate, Key::Host, m_host->text().trimmed());
        writeOrRemove(candidate, Key::Port, m_port->text().trimmed());
        writeOrRemove(candidate, Key::LlmBaseUrl, m_llmBaseUrl->text().trimmed());
        writeOrRemove(candidate, Key::LlmModel, m_llmModel->text().trimmed());
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
    writeOrRemove(file, Key::Host, m_host->text().trimmed());
    writeOrRemove(file, Key::Port, m_port->text().trimmed());
    writeOrRemove(file, Key::DatabaseUrl, m_databaseUrl->text().trimmed());
    writeOrRemove(file, Key::LlmBaseUrl, m_llmBaseUrl->text().trimmed());
    writeOrRemove(file, Key::LlmModel, m_llmModel->text().trimmed());
    if (m_removeApiKey->isChecked())
        file.remove(Key::ApiKey);
    else if (!m_apiKey->text().isEmpty())
        file.setValue(Key::ApiKey, m_apiKey->text());
    const QString prompt = m_systemPrompt->toPlainText().trimmed();
    writeOrRemove(file, Key::SystemPrompt, prompt);
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
    return running.host != reloaded.host || running.port != reloaded.port ||
           running.databaseUrl != reloaded.databaseUrl ||
           running.llmBaseUrl != reloaded.llmBaseUrl || running.llmModel != reloaded.llmModel ||
           running.llmApiKey != reloaded.llmApiKey || running.systemPrompt != reloaded.systemPrompt;
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
