#include "core/ConfigTable.h"

#include "core/Logging.h"
#include "core/ModelPrices.h"

#include <QFileInfo>
#include <QHostAddress>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace {

using Id = ConfigSetting::Id;

// Accessors for a QString member: stored as given.
template <QString Config::*member>
ConfigSetting text(Id id, QString option, QString valueName, QStringList environment, QString key,
                   QString help) {
    return {id,
            std::move(option),
            std::move(valueName),
            std::move(environment),
            std::move(key),
            std::move(help),
            [](const QString &value, Config &config) {
                config.*member = value;
                return QString();
            },
            [](const Config &config) { return config.*member; }};
}

// A whole number from min to max; the error names the setting as `label`.
template <int Config::*member>
ConfigSetting bounded(Id id, const QString &environment, QString key, int min, int max) {
    return {id,
            {},
            {},
            {environment},
            std::move(key),
            {},
            [environment, min, max](const QString &value, Config &config) {
                bool ok = false;
                const int number = value.trimmed().toInt(&ok);
                if (!ok || number < min || number > max)
                    return u"%1 '%2' must be a whole number from %3 to %4"_s.arg(environment, value)
                        .arg(min)
                        .arg(max);
                config.*member = number;
                return QString();
            },
            [](const Config &config) { return QString::number(config.*member); }};
}

// A setting that can also be given on the command line.
ConfigSetting withOption(ConfigSetting setting, QString option, QString valueName, QString help) {
    setting.option = std::move(option);
    setting.valueName = std::move(valueName);
    setting.help = std::move(help);
    return setting;
}

QString applyHost(const QString &value, Config &config) {
    config.host = value;
    if (value == u"localhost")
        return {};
    // QHostAddress also takes the inet_aton forms ("99999" is 0.1.134.159): a listen address is
    // written as four dotted numbers or as IPv6.
    static const QRegularExpression dottedQuad(uR"(^\d{1,3}(\.\d{1,3}){3}$)"_s);
    if (QHostAddress(value).isNull() ||
        (!value.contains(u':') && !dottedQuad.match(value).hasMatch()))
        return u"host '%1' is not an IP address; use e.g. 127.0.0.1 or 0.0.0.0"_s.arg(value);
    return {};
}

QString applyPort(const QString &value, Config &config) {
    bool ok = false;
    const int port = value.trimmed().toInt(&ok);
    if (!ok || port < 0 || port > 65535)
        return u"port '%1' is not a number from 0 to 65535"_s.arg(value);
    config.port = quint16(port);
    return {};
}

QString applyLlmBaseUrl(const QString &value, Config &config) {
    config.llmBaseUrl = value;
    if (value.isEmpty())
        return {};
    const QUrl url(value, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") ||
        url.host().isEmpty())
        return u"LLM base URL '%1' is not an http(s) URL; use e.g. http://127.0.0.1:11434/v1"_s.arg(
            value);
    return {};
}

QString applyLlmHttp(const QString &value, Config &config) {
    config.llmHttp = value.trimmed().toLower();
    if (config.llmHttp != u"auto" && config.llmHttp != u"1.1" && config.llmHttp != u"2")
        return u"RTAI_LLM_HTTP '%1' is not auto, 1.1 or 2"_s.arg(value);
    return {};
}

QString applyLlmCaFile(const QString &value, Config &config) {
    config.llmCaFile = value.trimmed();
    if (config.llmCaFile.isEmpty())
        return {};
    if (!QFileInfo(config.llmCaFile).isReadable())
        return u"RTAI_LLM_CA_FILE '%1' cannot be read"_s.arg(value);
    if (QSslCertificate::fromPath(config.llmCaFile, QSsl::Pem).isEmpty())
        return u"RTAI_LLM_CA_FILE '%1' holds no PEM certificate (-----BEGIN CERTIFICATE-----)"_s
            .arg(value);
    return {};
}

QString applyLlmPrices(const QString &value, Config &config) {
    config.llmPrices = value;
    QString error;
    return ModelPrices::parse(value, &error) ? QString() : error;
}

QString applyLogLevel(const QString &value, Config &config) {
    config.logLevel = value.toLower();
    if (!Logging::isValidLevel(config.logLevel))
        return u"log level '%1' is not one of debug, info, warning, critical"_s.arg(
            config.logLevel);
    return {};
}

// A comma-separated list, blanks dropped.
QStringList parseList(const QString &text) {
    QStringList items;
    for (const QString &item : text.split(u',')) {
        if (!item.trimmed().isEmpty())
            items << item.trimmed();
    }
    return items;
}

QString applyAllowedOrigins(const QString &value, Config &config) {
    config.allowedOrigins = parseList(value);
    for (const QString &origin : config.allowedOrigins) {
        const QUrl url(origin, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") ||
            url.host().isEmpty() || !url.userInfo().isEmpty() || url.path().size() > 1 ||
            url.hasQuery() || url.hasFragment())
            return u"allowed origin '%1' is not an origin; use scheme://host[:port], "
                   "e.g. https://chat.example.com"_s.arg(origin);
    }
    return {};
}

QString applyAllowedHosts(const QString &value, Config &config) {
    static const QRegularExpression hostName(u"^[A-Za-z0-9_.-]+$"_s);
    config.allowedHosts = parseList(value);
    for (const QString &host : config.allowedHosts) {
        const QString bare =
            host.startsWith(u'[') && host.endsWith(u']') ? host.mid(1).chopped(1) : host;
        if (!hostName.match(host).hasMatch() &&
            QHostAddress(bare).protocol() != QAbstractSocket::IPv6Protocol)
            return u"allowed host '%1' is not a host name; list names such as "
                   "chat.example.com, without scheme or port"_s.arg(host);
    }
    return {};
}

QString applyAllowAnonymous(const QString &value, Config &config) {
    const QString text = value.trimmed().toLower();
    config.allowAnonymous = QStringList{u"true"_s, u"1"_s, u"yes"_s}.contains(text);
    if (!config.allowAnonymous && !text.isEmpty() &&
        !QStringList{u"false"_s, u"0"_s, u"no"_s}.contains(text))
        return u"RTAI_ALLOW_ANONYMOUS '%1' is not true or false"_s.arg(value);
    return {};
}

QString applyAdminAllowRemoteControl(const QString &value, Config &config) {
    const QString text = value.trimmed().toLower();
    config.adminAllowRemoteControl = QStringList{u"true"_s, u"1"_s, u"yes"_s}.contains(text);
    if (!config.adminAllowRemoteControl && !text.isEmpty() &&
        !QStringList{u"false"_s, u"0"_s, u"no"_s}.contains(text))
        return u"RTAI_ADMIN_ALLOW_REMOTE_CONTROL '%1' is not true or false"_s.arg(value);
    return {};
}

QString applyJwtSecret(const QString &value, Config &config) {
    config.jwtSecret = value;
    // RFC 7518 §3.2: an HS256 key must have at least 256 bits.
    if (!value.isEmpty() && value.toUtf8().size() < 32)
        return u"RTAI_JWT_SECRET has %1 bytes; an HS256 secret needs at least 32 (Supabase: "
               "Project Settings > API > JWT Secret)"_s.arg(value.toUtf8().size());
    return {};
}

QString applyJwks(const QString &value, Config &config) {
    config.jwks = value.trimmed();
    if (!config.jwks.contains(u"://"))
        return {}; // a file, read at start
    const QUrl url(config.jwks, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") ||
        url.host().isEmpty())
        return u"JWKS '%1' is neither a file nor an http(s) URL; use e.g. "
               "https://PROJECT.supabase.co/auth/v1/.well-known/jwks.json"_s.arg(value);
    return {};
}

QString applyJwtUserClaim(const QString &value, Config &config) {
    config.jwtUserClaim = value.trimmed();
    if (config.jwtUserClaim.isEmpty())
        return u"RTAI_JWT_USER_CLAIM must name a claim of the JWT, e.g. sub"_s;
    return {};
}

QList<ConfigSetting> buildTable() {
    return {
        {Id::Headless,
         u"server"_s,
         {},
         {},
         {},
         u"Run headless: no console, logs to stderr."_s,
         [](const QString &value, Config &config) {
             config.headless = value == u"true";
             return QString();
         },
         [](const Config &config) { return config.headless ? u"true"_s : u"false"_s; }},
        {Id::Host,
         u"host"_s,
         u"H"_s,
         {u"RTAI_HOST"_s},
         u"server/host"_s,
         u"Address to listen on (default 127.0.0.1)."_s,
         applyHost,
         [](const Config &config) { return config.host; }},
        {Id::Port,
         u"port"_s,
         u"P"_s,
         {u"RTAI_PORT"_s},
         u"server/port"_s,
         u"Port to listen on (default 8000)."_s,
         applyPort,
         [](const Config &config) { return QString::number(config.port); }},
        withOption(
            bounded<&Config::threads>(Id::Threads, u"RTAI_THREADS"_s, u"server/threads"_s, 0, 256),
            u"threads"_s, u"N"_s,
            u"Network threads for the WebSocket sessions (default 0: one per core)."_s),
        text<&Config::dataDir>(Id::DataDir, u"data-dir"_s, u"DIR"_s, {u"RTAI_DATA_DIR"_s},
                               u"server/data_dir"_s,
                               u"Directory for the default SQLite database and caches."_s),
        text<&Config::databaseUrl>(
            Id::DatabaseUrl, u"database-url"_s, u"URL"_s, {u"DATABASE_URL"_s, u"SUPABASE_DB_URL"_s},
            u"database/url"_s,
            u"postgresql://user:pass@host:port/db?sslmode=… or sqlite:///path.db"_s),
        {Id::LlmBaseUrl,
         u"llm-base-url"_s,
         u"URL"_s,
         {u"OPENAI_BASE_URL"_s},
         u"llm/base_url"_s,
         u"Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1."_s,
         applyLlmBaseUrl,
         [](const Config &config) { return config.llmBaseUrl; }},
        text<&Config::llmModel>(Id::LlmModel, u"llm-model"_s, u"NAME"_s, {u"LLM_MODEL"_s},
                                u"llm/model"_s, u"Model name (default gpt-4o-mini)."_s),
        text<&Config::llmApiKey>(Id::LlmApiKey, {}, {}, {u"OPENAI_API_KEY"_s}, u"llm/api_key"_s,
                                 {}),
        text<&Config::localModelPath>(Id::LocalModel, u"local-model"_s, u"PATH"_s,
                                      {u"RTAI_LOCAL_MODEL"_s}, u"llm/local_model"_s,
                                      u"GGUF model file for the bundled local model."_s),
        text<&Config::apiToken>(Id::ApiToken, {}, {}, {u"RTAI_API_TOKEN"_s}, u"server/api_token"_s,
                                {}),
        {Id::JwtSecret,
         {},
         {},
         {u"RTAI_JWT_SECRET"_s, u"SUPABASE_JWT_SECRET"_s},
         u"auth/jwt_secret"_s,
         {},
         applyJwtSecret,
         [](const Config &config) { return config.jwtSecret; }},
        {Id::Jwks,
         u"jwks"_s,
         u"SOURCE"_s,
         {u"RTAI_JWKS"_s},
         u"auth/jwks"_s,
         u"JWKS file or http(s) URL with the RS256/ES256 keys of JWTs."_s,
         applyJwks,
         [](const Config &config) { return config.jwks; }},
        text<&Config::jwtIssuer>(Id::JwtIssuer, u"jwt-issuer"_s, u"ISS"_s, {u"RTAI_JWT_ISSUER"_s},
                                 u"auth/jwt_issuer"_s, u"Required iss claim of JWTs."_s),
        text<&Config::jwtAudience>(Id::JwtAudience, u"jwt-audience"_s, u"AUD"_s,
                                   {u"RTAI_JWT_AUDIENCE"_s}, u"auth/jwt_audience"_s,
                                   u"Required aud claim of JWTs."_s),
        {Id::JwtUserClaim,
         u"jwt-user-claim"_s,
         u"CLAIM"_s,
         {u"RTAI_JWT_USER_CLAIM"_s},
         u"auth/jwt_user_claim"_s,
         u"The JWT claim that is the user id (default sub)."_s,
         applyJwtUserClaim,
         [](const Config &config) { return config.jwtUserClaim; }},
        text<&Config::jwtAdminRole>(Id::JwtAdminRole, u"jwt-admin-role"_s, u"ROLE"_s,
                                    {u"RTAI_JWT_ADMIN_ROLE"_s}, u"auth/jwt_admin_role"_s,
                                    u"JWTs whose role claim is this see every user."_s),
        {Id::AllowedOrigins,
         u"allowed-origins"_s,
         u"LIST"_s,
         {u"RTAI_ALLOWED_ORIGINS"_s},
         u"server/allowed_origins"_s,
         u"Comma-separated origins (scheme://host[:port]) whose pages may connect."_s,
         applyAllowedOrigins,
         [](const Config &config) { return config.allowedOrigins.join(u","_s); }},
        {Id::AllowedHosts,
         u"allowed-hosts"_s,
         u"LIST"_s,
         {u"RTAI_ALLOWED_HOSTS"_s},
         u"server/allowed_hosts"_s,
         u"Comma-separated Host names to answer besides the loopback ones."_s,
         applyAllowedHosts,
         [](const Config &config) { return config.allowedHosts.join(u","_s); }},
        {Id::AllowAnonymous,
         u"allow-anonymous"_s,
         {},
         {u"RTAI_ALLOW_ANONYMOUS"_s},
         u"server/allow_anonymous"_s,
         u"Serve a non-loopback --host without an API token."_s,
         applyAllowAnonymous,
         [](const Config &config) { return config.allowAnonymous ? u"true"_s : u"false"_s; }},
        text<&Config::systemPrompt>(Id::SystemPrompt, {}, {}, {u"RTAI_SYSTEM_PROMPT"_s},
                                    u"chat/system_prompt"_s, {}),
        bounded<&Config::maxMessageBytes>(Id::MaxMessageBytes, u"RTAI_MAX_MESSAGE_BYTES"_s,
                                          u"limits/max_message_bytes"_s, 1, 16 * 1024 * 1024),
        bounded<&Config::maxQueuedMessages>(Id::MaxQueuedMessages, u"RTAI_MAX_QUEUED_MESSAGES"_s,
                                            u"limits/max_queued_messages"_s, 0, 1000),
        bounded<&Config::maxToolSteps>(Id::MaxToolSteps, u"RTAI_MAX_TOOL_STEPS"_s,
                                       u"limits/max_tool_steps"_s, 1, 50),
        bounded<&Config::maxConnectionsPerUser>(Id::MaxConnectionsPerUser,
                                                u"RTAI_MAX_CONNECTIONS_PER_USER"_s,
                                                u"limits/connections_per_user"_s, 0, 1000000),
        bounded<&Config::maxMessagesPerMinute>(Id::MaxMessagesPerMinute,
                                               u"RTAI_MAX_MESSAGES_PER_MINUTE"_s,
                                               u"limits/messages_per_minute"_s, 0, 1000000),
        bounded<&Config::maxAddressMessagesPerMinute>(
            Id::MaxAddressMessagesPerMinute, u"RTAI_MAX_ADDRESS_MESSAGES_PER_MINUTE"_s,
            u"limits/address_messages_per_minute"_s, 0, 1000000),
        bounded<&Config::maxTokensPerDay>(Id::MaxTokensPerDay, u"RTAI_MAX_TOKENS_PER_DAY"_s,
                                          u"limits/tokens_per_day"_s, 0, 2000000000),
        bounded<&Config::maxAddressTokensPerDay>(Id::MaxAddressTokensPerDay,
                                                 u"RTAI_MAX_ADDRESS_TOKENS_PER_DAY"_s,
                                                 u"limits/address_tokens_per_day"_s, 0, 2000000000),
        bounded<&Config::maxClientBufferBytes>(
            Id::MaxClientBufferBytes, u"RTAI_MAX_CLIENT_BUFFER_BYTES"_s,
            u"limits/max_client_buffer_bytes"_s, 64 * 1024, 1024 * 1024 * 1024),
        bounded<&Config::llmMaxConnections>(Id::LlmMaxConnections, u"RTAI_LLM_MAX_CONNECTIONS"_s,
                                            u"llm/max_connections"_s, 0, 100000),
        bounded<&Config::llmProbeIntervalS>(Id::LlmProbeInterval, u"RTAI_LLM_PROBE_INTERVAL_S"_s,
                                            u"llm/probe_interval_s"_s, 0, 86400),
        {Id::LlmHttp,
         {},
         {},
         {u"RTAI_LLM_HTTP"_s},
         u"llm/http"_s,
         {},
         applyLlmHttp,
         [](const Config &config) { return config.llmHttp; }},
        {Id::LlmCaFile,
         {},
         {},
         {u"RTAI_LLM_CA_FILE"_s},
         u"llm/ca_file"_s,
         {},
         applyLlmCaFile,
         [](const Config &config) { return config.llmCaFile; }},
        {Id::LlmPrices,
         {},
         {},
         {u"RTAI_LLM_PRICES"_s},
         u"llm/prices"_s,
         {},
         applyLlmPrices,
         [](const Config &config) { return config.llmPrices; }},
        bounded<&Config::summaryConcurrency>(Id::SummaryConcurrency, u"RTAI_SUMMARY_CONCURRENCY"_s,
                                             u"summaries/concurrency"_s, 1, 1000),
        bounded<&Config::leaseHeartbeatS>(Id::LeaseHeartbeat, u"RTAI_LEASE_HEARTBEAT_S"_s,
                                          u"instances/heartbeat_s"_s, 1, 3600),
        bounded<&Config::leaseExpiryS>(Id::LeaseExpiry, u"RTAI_LEASE_EXPIRY_S"_s,
                                       u"instances/lease_expiry_s"_s, 2, 86400),
        bounded<&Config::leaseListen>(Id::LeaseListen, u"RTAI_LEASE_LISTEN"_s,
                                      u"instances/listen"_s, 0, 1),
        bounded<&Config::requestTimeoutS>(Id::RequestTimeout, u"RTAI_REQUEST_TIMEOUT_S"_s,
                                          u"server/request_timeout_s"_s, 1, 3600),
        bounded<&Config::handshakeTimeoutS>(Id::HandshakeTimeout, u"RTAI_HANDSHAKE_TIMEOUT_S"_s,
                                            u"server/handshake_timeout_s"_s, 1, 3600),
        bounded<&Config::idleTimeoutS>(Id::IdleTimeout, u"RTAI_IDLE_TIMEOUT_S"_s,
                                       u"server/idle_timeout_s"_s, 1, 86400),
        bounded<&Config::pingIntervalS>(Id::PingInterval, u"RTAI_PING_INTERVAL_S"_s,
                                        u"server/ping_interval_s"_s, 0, 86400),
        bounded<&Config::pingTimeoutS>(Id::PingTimeout, u"RTAI_PING_TIMEOUT_S"_s,
                                       u"server/ping_timeout_s"_s, 1, 3600),
        bounded<&Config::maxConnectionsPerAddress>(
            Id::MaxConnectionsPerAddress, u"RTAI_MAX_CONNECTIONS_PER_ADDRESS"_s,
            u"server/max_connections_per_address"_s, 0, 1000000),
        bounded<&Config::maxLoopbackConnections>(Id::MaxLoopbackConnections,
                                                 u"RTAI_MAX_LOOPBACK_CONNECTIONS"_s,
                                                 u"server/max_loopback_connections"_s, 0, 1000000),
        {Id::AdminAllowRemoteControl,
         {},
         {},
         {u"RTAI_ADMIN_ALLOW_REMOTE_CONTROL"_s},
         u"admin/allow_remote_control"_s,
         {},
         applyAdminAllowRemoteControl,
         [](const Config &config) {
             return config.adminAllowRemoteControl ? u"true"_s : u"false"_s;
         }},
        {Id::LogLevel,
         u"log-level"_s,
         u"LEVEL"_s,
         {u"RTAI_LOG_LEVEL"_s},
         u"server/log_level"_s,
         u"debug, info, warning or critical (default info)."_s,
         applyLogLevel,
         [](const Config &config) { return config.logLevel; }},
    };
}

} // namespace

const QList<ConfigSetting> &ConfigTable::settings() {
    static const QList<ConfigSetting> table = buildTable();
    return table;
}

const ConfigSetting &ConfigTable::setting(ConfigSetting::Id id) {
    for (const ConfigSetting &entry : settings()) {
        if (entry.id == id)
            return entry;
    }
    qFatal("ConfigTable has no entry for setting %d", int(id));
}
