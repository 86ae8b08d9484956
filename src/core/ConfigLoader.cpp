#include "core/ConfigLoader.h"

#include "core/ConfigTable.h"
#include "core/DotEnvFile.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QSettings>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace {

// The value of `setting` with the highest precedence, or `fallback`; and where it came from.
class Layers {
public:
    Layers(const QCommandLineParser &parser, QHash<QString, QString> environment,
           const QSettings &settings)
        : m_parser(parser)
        , m_environment(std::move(environment))
        , m_settings(settings) {}

    QString value(const ConfigSetting &setting, const QString &fallback,
                  QString *override = nullptr) const {
        if (!setting.option.isEmpty() && m_parser.isSet(setting.option)) {
            if (override)
                *override = u"--"_s + setting.option;
            return setting.isFlag() ? u"true"_s : m_parser.value(setting.option);
        }
        for (const QString &name : setting.environment) {
            const auto it = m_environment.constFind(name);
            if (it != m_environment.constEnd() && !it->isEmpty()) {
                if (override)
                    *override = name;
                return *it;
            }
        }
        if (!setting.key.isEmpty() && m_settings.contains(setting.key)) {
            // QSettings reads an unquoted value with commas (a system prompt, typically) as a
            // string list, whose toString() is empty: join it back as it was meant.
            const QVariant value = m_settings.value(setting.key);
            if (value.typeId() == QMetaType::QStringList)
                return value.toStringList().join(u", "_s);
            return value.toString();
        }
        return fallback;
    }

private:
    const QCommandLineParser &m_parser;
    QHash<QString, QString> m_environment;
    const QSettings &m_settings;
};

// QCommandLineParser's help, named after the program (it is built before QCoreApplication
// exists), followed by the settings that have no option.
QString helpText(const QCommandLineParser &parser, const QString &program) {
    QString text = parser.helpText().replace(u"<executable_name>"_s, QFileInfo(program).fileName());
    text += u"\nEnvironment variables (config file keys in brackets):\n"_s;
    for (const ConfigSetting &setting : ConfigTable::settings()) {
        if (setting.environment.isEmpty())
            continue;
        text += u"  %1 [%2]\n"_s.arg(setting.environment.join(u", "_s), setting.key);
    }
    return text;
}

} // namespace

QString ConfigLoader::defaultConfigFile() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           u"/realtime-ai/realtime-ai.conf"_s;
}

QString ConfigLoader::defaultDatabaseUrl(const QString &dataDir) {
    return u"sqlite://"_s + QDir::cleanPath(QDir(dataDir).absoluteFilePath(u"realtime-ai.db"_s));
}

QString ConfigLoader::defaultDataDir() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           u"/realtime-ai"_s;
}

ConfigLoadResult ConfigLoader::load(const QStringList &arguments,
                                    const QProcessEnvironment &environment,
                                    const QString &workingDirectory) {
    ConfigLoadResult result;
    Config &config = result.config;

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Realtime AI: a self-hosted backend for realtime conversational AI "
        "sessions, with an admin console."_s);
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    for (const ConfigSetting &setting : ConfigTable::settings()) {
        if (!setting.option.isEmpty())
            parser.addOption({setting.option, setting.help, setting.valueName});
    }
    parser.addOption({u"config"_s, u"Config file (QSettings INI format)."_s, u"FILE"_s});
    if (!parser.parse(arguments)) {
        result.action = ConfigLoadResult::Action::Fail;
        result.errors << parser.errorText() + u" (see --help)"_s;
        return result;
    }
    result.helpText = helpText(parser, arguments.value(0));
    if (parser.isSet(helpOption)) {
        result.action = ConfigLoadResult::Action::ShowHelp;
        return result;
    }
    if (parser.isSet(versionOption)) {
        result.action = ConfigLoadResult::Action::ShowVersion;
        return result;
    }
    if (!parser.positionalArguments().isEmpty()) {
        result.action = ConfigLoadResult::Action::Fail;
        result.errors << u"unexpected argument '%1' (see --help)"_s.arg(
            parser.positionalArguments().constFirst());
        return result;
    }

    // The real environment wins over .env, as with python-dotenv's default.
    const DotEnvFile dotEnv = DotEnvFile::read(QDir(workingDirectory).filePath(u".env"_s));
    for (const QString &error : dotEnv.errors())
        result.warnings << u".env %1; that line is ignored"_s.arg(error);
    QHash<QString, QString> env = dotEnv.values();
    for (const QString &key : environment.keys())
        env.insert(key, environment.value(key));

    config.configFile = parser.isSet(u"config"_s) ? parser.value(u"config"_s) : defaultConfigFile();
    if (parser.isSet(u"config"_s) && !QFileInfo::exists(config.configFile)) {
        result.errors << u"config file %1 does not exist; create it or drop --config"_s.arg(
            config.configFile);
    }
    const QSettings settings(config.configFile, QSettings::IniFormat);
    if (settings.status() != QSettings::NoError)
        result.errors << u"config file %1 is not a valid INI file; fix or remove it"_s.arg(
            config.configFile);

    const Layers layers(parser, env, settings);
    config.dataDir = defaultDataDir();
    for (const ConfigSetting &setting : ConfigTable::settings()) {
        QString override;
        const QString error =
            setting.apply(layers.value(setting, setting.current(config), &override), config);
        if (!override.isEmpty() && !setting.key.isEmpty())
            config.overrides.insert(setting.key, override);
        if (!error.isEmpty())
            result.errors << error;
    }
    // A lease renewed only just before it expires would be lost to any delay.
    if (config.leaseExpiryS < 2 * config.leaseHeartbeatS)
        result.errors << u"RTAI_LEASE_EXPIRY_S (%1) must be at least twice "
                         "RTAI_LEASE_HEARTBEAT_S (%2)"_s.arg(config.leaseExpiryS)
                             .arg(config.leaseHeartbeatS);
    config.dataDir = QDir::cleanPath(config.dataDir);
    if (config.databaseUrl.isEmpty())
        config.databaseUrl = defaultDatabaseUrl(config.dataDir);
    if (!config.llmBaseUrl.isEmpty()) {
        config.llmSource = Config::LlmSource::Explicit;
    } else if (!config.llmApiKey.isEmpty()) {
        config.llmSource = Config::LlmSource::OpenAi;
        config.llmBaseUrl = OpenAiBaseUrl;
    } else {
        // Backend runs the bundled local model instead when it is installed.
        config.llmSource = Config::LlmSource::None;
    }

    if (!result.errors.isEmpty())
        result.action = ConfigLoadResult::Action::Fail;
    return result;
}
