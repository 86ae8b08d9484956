#include "core/ConfigLoader.h"

#include "core/DotEnvFile.h"
#include "core/Logging.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QHostAddress>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace {

// One configurable value and every place it may come from.
struct Source {
    QString option;      // command-line option name, empty if none
    QStringList envVars; // environment variables, first one set wins
    QString settingsKey; // key in the config file, empty if none
};

class Layers {
public:
    Layers(const QCommandLineParser &parser, QHash<QString, QString> environment,
           const QSettings &settings)
        : m_parser(parser)
        , m_environment(std::move(environment))
        , m_settings(settings) {}

    // The value with the highest precedence, or `fallback`.
    QString value(const Source &source, const QString &fallback) const {
        if (!source.option.isEmpty() && m_parser.isSet(source.option))
            return m_parser.value(source.option);
        for (const QString &name : source.envVars) {
            const auto it = m_environment.constFind(name);
            if (it != m_environment.constEnd() && !it->isEmpty())
                return *it;
        }
        if (!source.settingsKey.isEmpty() && m_settings.contains(source.settingsKey)) {
            // QSettings reads an unquoted INI value with commas as a list.
            const QVariant value = m_settings.value(source.settingsKey);
            return value.typeId() == QMetaType::QStringList ? value.toStringList().join(u", "_s)
                                                            : value.toString();
        }
        return fallback;
    }

private:
    const QCommandLineParser &m_parser;
    QHash<QString, QString> m_environment;
    const QSettings &m_settings;
};

// A comma-separated list, blanks dropped.
QStringList parseList(const QString &text) {
    QStringList items;
    for (const QString &item : text.split(u','))
        if (!item.trimmed().isEmpty())
            items << item.trimmed();
    return items;
}

bool parseBoundedInt(const QString &text, int min, int max, int *out) {
    bool ok = false;
    const int value = text.trimmed().toInt(&ok);
    if (!ok || value < min || value > max)
        return false;
    *out = value;
    return true;
}

} // namespace

QString ConfigLoader::defaultConfigFile() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           u"/realtime-ai/realtime-ai.conf"_s;
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
    parser.addOptions({
        {u"server"_s, u"Run headless: no console, logs to stderr."_s},
        {u"host"_s, u"Address to listen on (default 127.0.0.1)."_s, u"H"_s},
        {u"port"_s, u"Port to listen on (default 8000)."_s, u"P"_s},
        {u"database-url"_s, u"postgresql://user:pass@host:port/db?sslmode=… or sqlite:///path.db"_s,
         u"URL"_s},
        {u"data-dir"_s, u"Directory for the default SQLite database and caches."_s, u"DIR"_s},
        {u"llm-base-url"_s,
         u"Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1."_s, u"URL"_s},
        {u"llm-model"_s, u"Model name (default gpt-4o-mini)."_s, u"NAME"_s},
        {u"local-model"_s, u"GGUF model file for the bundled local model."_s, u"PATH"_s},
        {u"config"_s, u"Config file (QSettings INI format)."_s, u"FILE"_s},
        {u"log-level"_s, u"debug, info, warning or critical (default info)."_s, u"LEVEL"_s},
        {u"allowed-origins"_s,
         u"Comma-separated origins (scheme://host[:port]) whose pages may connect."_s, u"LIST"_s},
        {u"allowed-hosts"_s, u"Comma-separated Host names to answer besides the loopback ones."_s,
         u"LIST"_s},
        {u"allow-anonymous"_s, u"Serve a non-loopback --host without an API token."_s},
    });
    if (!parser.parse(arguments)) {
        result.action = ConfigLoadResult::Action::Fail;
        result.errors << parser.errorText() + u" (see --help)"_s;
        return result;
    }
    result.helpText = parser.helpText();
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
    config.headless = parser.isSet(u"server"_s);
    config.host = layers.value({u"host"_s, {u"RTAI_HOST"_s}, u"server/host"_s}, config.host);
    if (QHostAddress(config.host).isNull() && config.host != u"localhost")
        result.errors << u"host '%1' is not an IP address; use e.g. 127.0.0.1 or 0.0.0.0"_s.arg(
            config.host);

    const QString port =
        layers.value({u"port"_s, {u"RTAI_PORT"_s}, u"server/port"_s}, QString::number(config.port));
    int portValue = 0;
    if (parseBoundedInt(port, 0, 65535, &portValue))
        config.port = quint16(portValue);
    else
        result.errors << u"port '%1' is not a number from 0 to 65535"_s.arg(port);

    config.dataDir = QDir::cleanPath(layers.value(
        {u"data-dir"_s, {u"RTAI_DATA_DIR"_s}, u"server/data_dir"_s}, defaultDataDir()));
    config.databaseUrl = layers.value(
        {u"database-url"_s, {u"DATABASE_URL"_s, u"SUPABASE_DB_URL"_s}, u"database/url"_s}, {});
    if (config.databaseUrl.isEmpty())
        config.databaseUrl =
            u"sqlite://"_s + QDir(config.dataDir).absoluteFilePath(u"realtime-ai.db"_s);

    config.llmApiKey = layers.value({{}, {u"OPENAI_API_KEY"_s}, u"llm/api_key"_s}, {});
    config.llmModel =
        layers.value({u"llm-model"_s, {u"LLM_MODEL"_s}, u"llm/model"_s}, config.llmModel);
    config.localModelPath =
        layers.value({u"local-model"_s, {u"RTAI_LOCAL_MODEL"_s}, u"llm/local_model"_s}, {});
    const QString explicitBaseUrl =
        layers.value({u"llm-base-url"_s, {u"OPENAI_BASE_URL"_s}, u"llm/base_url"_s}, {});
    if (!explicitBaseUrl.isEmpty()) {
        config.llmSource = Config::LlmSource::Explicit;
        config.llmBaseUrl = explicitBaseUrl;
        const QUrl url(explicitBaseUrl, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") ||
            url.host().isEmpty())
            result.errors << u"LLM base URL '%1' is not an http(s) URL; use e.g. "
                             "http://127.0.0.1:11434/v1"_s.arg(explicitBaseUrl);
    } else if (!config.llmApiKey.isEmpty()) {
        config.llmSource = Config::LlmSource::OpenAi;
        config.llmBaseUrl = OpenAiBaseUrl;
    } else {
        // Backend runs the bundled local model instead when it is installed.
        config.llmSource = Config::LlmSource::None;
    }

    config.apiToken = layers.value({{}, {u"RTAI_API_TOKEN"_s}, u"server/api_token"_s}, {});
    const QString anonymous =
        parser.isSet(u"allow-anonymous"_s)
            ? u"true"_s
            : layers.value({{}, {u"RTAI_ALLOW_ANONYMOUS"_s}, u"server/allow_anonymous"_s}, {});
    config.allowAnonymous = QStringList{u"true"_s, u"1"_s, u"yes"_s}.contains(anonymous.toLower());
    if (!config.allowAnonymous && !anonymous.isEmpty() &&
        !QStringList{u"false"_s, u"0"_s, u"no"_s}.contains(anonymous.toLower()))
        result.errors << u"RTAI_ALLOW_ANONYMOUS '%1' is not true or false"_s.arg(anonymous);
    config.allowedOrigins = parseList(layers.value(
        {u"allowed-origins"_s, {u"RTAI_ALLOWED_ORIGINS"_s}, u"server/allowed_origins"_s}, {}));
    for (const QString &origin : config.allowedOrigins) {
        const QUrl url(origin, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") ||
            url.host().isEmpty() || !url.userInfo().isEmpty() || url.path().size() > 1 ||
            url.hasQuery() || url.hasFragment())
            result.errors << u"allowed origin '%1' is not an origin; use scheme://host[:port], "
                             "e.g. https://chat.example.com"_s.arg(origin);
    }
    config.allowedHosts = parseList(layers.value(
        {u"allowed-hosts"_s, {u"RTAI_ALLOWED_HOSTS"_s}, u"server/allowed_hosts"_s}, {}));
    static const QRegularExpression hostName(u"^[A-Za-z0-9_.-]+$"_s);
    for (const QString &host : config.allowedHosts) {
        const QString bare =
            host.startsWith(u'[') && host.endsWith(u']') ? host.mid(1).chopped(1) : host;
        if (!hostName.match(host).hasMatch() &&
            QHostAddress(bare).protocol() != QAbstractSocket::IPv6Protocol)
            result.errors << u"allowed host '%1' is not a host name; list names such as "
                             "chat.example.com, without scheme or port"_s.arg(host);
    }
    config.systemPrompt =
        layers.value({{}, {u"RTAI_SYSTEM_PROMPT"_s}, u"chat/system_prompt"_s}, config.systemPrompt);

    const struct {
        const char *env;
        const char *key;
        int min;
        int max;
        int *target;
    } limits[] = {
        {"RTAI_MAX_MESSAGE_BYTES", "limits/max_message_bytes", 1, 16 * 1024 * 1024,
         &config.maxMessageBytes},
        {"RTAI_MAX_QUEUED_MESSAGES", "limits/max_queued_messages", 0, 1000,
         &config.maxQueuedMessages},
        {"RTAI_MAX_TOOL_STEPS", "limits/max_tool_steps", 1, 50, &config.maxToolSteps},
        {"RTAI_LLM_MAX_CONNECTIONS", "llm/max_connections", 0, 100000, &config.llmMaxConnections},
        {"RTAI_SUMMARY_CONCURRENCY", "summaries/concurrency", 1, 1000, &config.summaryConcurrency},
    };
    for (const auto &limit : limits) {
        const QString text =
            layers.value({{}, {QString::fromLatin1(limit.env)}, QString::fromLatin1(limit.key)},
                         QString::number(*limit.target));
        if (!parseBoundedInt(text, limit.min, limit.max, limit.target))
            result.errors << u"%1 '%2' must be a whole number from %3 to %4"_s
                                 .arg(QString::fromLatin1(limit.env), text)
                                 .arg(limit.min)
                                 .arg(limit.max);
    }

    config.logLevel =
        layers
            .value({u"log-level"_s, {u"RTAI_LOG_LEVEL"_s}, u"server/log_level"_s}, config.logLevel)
            .toLower();
    if (!Logging::isValidLevel(config.logLevel))
        result.errors << u"log level '%1' is not one of debug, info, warning, critical"_s.arg(
            config.logLevel);

    if (!result.errors.isEmpty())
        result.action = ConfigLoadResult::Action::Fail;
    return result;
}
