#include "core/ConfigLoader.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TestConfigLoader : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    ConfigLoadResult load(const QStringList &args, const QHash<QString, QString> &env = {}) {
        QProcessEnvironment environment;
        environment.insert(u"HOME"_s, m_dir.path());
        environment.insert(u"XDG_CONFIG_HOME"_s, m_dir.filePath(u"config"_s));
        for (auto it = env.begin(); it != env.end(); ++it)
            environment.insert(it.key(), it.value());
        return ConfigLoader::load(QStringList{u"realtime-ai"_s} + args, environment, m_dir.path());
    }

    void writeFile(const QString &name, const QByteArray &content) {
        QFile file(m_dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(content);
    }

private Q_SLOTS:
    void cleanup() {
        QFile::remove(m_dir.filePath(u".env"_s));
        QFile::remove(m_dir.filePath(u"app.conf"_s));
    }

    void defaultsMatchTheSeed() {
        const ConfigLoadResult result = load({u"--data-dir"_s, m_dir.path()});
        QCOMPARE(result.action, ConfigLoadResult::Action::Run);
        QCOMPARE(result.config.host, u"127.0.0.1"_s);
        QCOMPARE(result.config.port, 8000);
        QCOMPARE(result.config.llmModel, u"gpt-4o-mini"_s);
        QCOMPARE(result.config.databaseUrl, u"sqlite://"_s + m_dir.path() + u"/realtime-ai.db"_s);
        QCOMPARE(result.config.llmSource, Config::LlmSource::None);
        QVERIFY(result.config.llmBaseUrl.isEmpty());
    }

    void commandLineBeatsEnvironmentBeatsDotEnvBeatsConfigFile() {
        writeFile(u"app.conf"_s, "[server]\nport=7001\nhost=0.0.0.0\n[llm]\nmodel=from-file\n");
        writeFile(u".env"_s, "RTAI_PORT=7002\nLLM_MODEL=from-dotenv\n");
        const QString config = m_dir.filePath(u"app.conf"_s);

        ConfigLoadResult result = load({u"--config"_s, config});
        QCOMPARE(result.config.port, 7002);         // .env over file
        QCOMPARE(result.config.host, u"0.0.0.0"_s); // file over default
        QCOMPARE(result.config.llmModel, u"from-dotenv"_s);

        result = load({u"--config"_s, config}, {{u"RTAI_PORT"_s, u"7003"_s}});
        QCOMPARE(result.config.port, 7003); // environment over .env

        result =
            load({u"--config"_s, config, u"--port"_s, u"7004"_s}, {{u"RTAI_PORT"_s, u"7003"_s}});
        QCOMPARE(result.config.port, 7004); // command line over all
        // What overrides the config file is recorded, for the console's Settings dialog.
        QCOMPARE(result.config.overrides.value(u"server/port"_s), u"--port"_s);
        QCOMPARE(result.config.overrides.value(u"llm/model"_s), u"LLM_MODEL"_s);
        QVERIFY(!result.config.overrides.contains(u"server/host"_s));
    }

    // Found by fuzz_configloader: QSettings reads such a value as a list, and the model and the
    // system prompt came out empty.
    void aHandWrittenValueWithCommasIsReadAsWritten() {
        writeFile(u"app.conf"_s, "[chat]\nsystem_prompt=You are helpful, concise and kind.\n"
                                 "[llm]\nmodel=gpt-4o, the big one\n");
        const ConfigLoadResult result = load({u"--config"_s, m_dir.filePath(u"app.conf"_s)});
        QCOMPARE(result.action, ConfigLoadResult::Action::Run);
        QCOMPARE(result.config.systemPrompt, u"You are helpful, concise and kind."_s);
        QCOMPARE(result.config.llmModel, u"gpt-4o, the big one"_s);
    }

    void llmSourceFollowsTheDocumentedOrder() {
        ConfigLoadResult result = load({}, {{u"OPENAI_API_KEY"_s, u"sk-test"_s}});
        QCOMPARE(result.config.llmSource, Config::LlmSource::OpenAi);
        QCOMPARE(result.config.llmBaseUrl, ConfigLoader::OpenAiBaseUrl);
        QCOMPARE(result.config.llmApiKey, u"sk-test"_s);

        result = load({u"--llm-base-url"_s, u"http://127.0.0.1:9/v1"_s},
                      {{u"OPENAI_API_KEY"_s, u"sk-test"_s}});
        QCOMPARE(result.config.llmSource, Config::LlmSource::Explicit);
        QCOMPARE(result.config.llmBaseUrl, u"http://127.0.0.1:9/v1"_s);
    }

    void supabaseUrlIsAnAliasOfDatabaseUrl() {
        const QString url = u"postgresql://postgres:pw@db.example.supabase.co:5432/postgres"_s;
        QCOMPARE(load({}, {{u"SUPABASE_DB_URL"_s, url}}).config.databaseUrl, url);
        QCOMPARE(load({}, {{u"SUPABASE_DB_URL"_s, url}, {u"DATABASE_URL"_s, u"sqlite:///x.db"_s}})
                     .config.databaseUrl,
                 u"sqlite:///x.db"_s);
    }

    void badValuesAreClearErrors_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expected");
        QTest::newRow("port text") << QStringList{u"--port"_s, u"eighty"_s} << u"port 'eighty'"_s;
        QTest::newRow("port range") << QStringList{u"--port"_s, u"70000"_s} << u"0 to 65535"_s;
        QTest::newRow("host") << QStringList{u"--host"_s, u"not a host"_s} << u"not an IP"_s;
        // QHostAddress takes it (as 0.1.134.159), and then listening on "99999" fails.
        QTest::newRow("host a number") << QStringList{u"--host"_s, u"99999"_s} << u"not an IP"_s;
        QTest::newRow("host 3 parts") << QStringList{u"--host"_s, u"127.1.1"_s} << u"not an IP"_s;
        QTest::newRow("llm url") << QStringList{u"--llm-base-url"_s, u"ftp://x"_s}
                                 << u"not an http(s) URL"_s;
        QTest::newRow("log level") << QStringList{u"--log-level"_s, u"loud"_s} << u"log level"_s;
        QTest::newRow("unknown option") << QStringList{u"--frobnicate"_s} << u"frobnicate"_s;
        QTest::newRow("missing config")
            << QStringList{u"--config"_s, u"/nonexistent.conf"_s} << u"does not exist"_s;
        QTest::newRow("origin with a path")
            << QStringList{u"--allowed-origins"_s, u"https://a.example/app"_s}
            << u"allowed origin 'https://a.example/app'"_s;
        QTest::newRow("origin null")
            << QStringList{u"--allowed-origins"_s, u"null"_s} << u"allowed origin 'null'"_s;
        QTest::newRow("host with a scheme")
            << QStringList{u"--allowed-hosts"_s, u"http://a.example"_s}
            << u"allowed host 'http://a.example'"_s;
        QTest::newRow("host with a port") << QStringList{u"--allowed-hosts"_s, u"a.example:80"_s}
                                          << u"allowed host 'a.example:80'"_s;
    }

    void badValuesAreClearErrors() {
        QFETCH(QStringList, args);
        QFETCH(QString, expected);
        const ConfigLoadResult result = load(args);
        QCOMPARE(result.action, ConfigLoadResult::Action::Fail);
        QVERIFY2(result.errors.join(u'\n').contains(expected),
                 qPrintable(result.errors.join(u'\n')));
    }

    void originsHostsAndAnonymousFollowThePrecedence() {
        writeFile(u"app.conf"_s,
                  "[server]\nallowed_origins=https://a.example, http://127.0.0.1:3000\n"
                  "allowed_hosts=chat.example.com\nallow_anonymous=true\n");
        const QString config = m_dir.filePath(u"app.conf"_s);
        ConfigLoadResult result = load({u"--config"_s, config});
        QCOMPARE(result.action, ConfigLoadResult::Action::Run);
        QCOMPARE(result.config.allowedOrigins,
                 (QStringList{u"https://a.example"_s, u"http://127.0.0.1:3000"_s}));
        QCOMPARE(result.config.allowedHosts, QStringList{u"chat.example.com"_s});
        QVERIFY(result.config.allowAnonymous);

        result = load({u"--config"_s, config, u"--allowed-hosts"_s, u"a.example,[::1], ::2"_s},
                      {{u"RTAI_ALLOWED_ORIGINS"_s, u" https://b.example ,"_s},
                       {u"RTAI_ALLOWED_HOSTS"_s, u"env.example"_s},
                       {u"RTAI_ALLOW_ANONYMOUS"_s, u"false"_s}});
        QCOMPARE(result.action, ConfigLoadResult::Action::Run);
        QCOMPARE(result.config.allowedOrigins, QStringList{u"https://b.example"_s});
        QCOMPARE(result.config.allowedHosts, (QStringList{u"a.example"_s, u"[::1]"_s, u"::2"_s}));
        QVERIFY(!result.config.allowAnonymous);
        QVERIFY(load({u"--config"_s, config, u"--allow-anonymous"_s},
                     {{u"RTAI_ALLOW_ANONYMOUS"_s, u"false"_s}})
                    .config.allowAnonymous);

        const ConfigLoadResult defaults = load({});
        QVERIFY(defaults.config.allowedOrigins.isEmpty());
        QVERIFY(defaults.config.allowedHosts.isEmpty());
        QVERIFY(!defaults.config.allowAnonymous);
        const ConfigLoadResult bad = load({}, {{u"RTAI_ALLOW_ANONYMOUS"_s, u"maybe"_s}});
        QCOMPARE(bad.action, ConfigLoadResult::Action::Fail);
        QVERIFY(bad.errors.join(u'\n').contains(u"RTAI_ALLOW_ANONYMOUS 'maybe'"_s));
    }

    void jwtSettingsFollowThePrecedence() {
        const QString secret = u"a-supabase-jwt-secret-of-at-least-32-bytes"_s;
        writeFile(u"auth.conf"_s,
                  "[auth]\njwks=/etc/realtime-ai/jwks.json\njwt_issuer=https://file.example\n"
                  "jwt_audience=authenticated\njwt_admin_role=service_role\n");
        const QString config = m_dir.filePath(u"auth.conf"_s);
        ConfigLoadResult result =
            load({u"--config"_s, config}, {{u"SUPABASE_JWT_SECRET"_s, secret}});
        QCOMPARE(result.action, ConfigLoadResult::Action::Run);
        QCOMPARE(result.config.jwtSecret, secret);
        QCOMPARE(result.config.jwks, u"/etc/realtime-ai/jwks.json"_s);
        QCOMPARE(result.config.jwtIssuer, u"https://file.example"_s);
        QCOMPARE(result.config.jwtAudience, u"authenticated"_s);
        QCOMPARE(result.config.jwtUserClaim, u"sub"_s);
        QCOMPARE(result.config.jwtAdminRole, u"service_role"_s);

        result = load({u"--config"_s, config, u"--jwt-issuer"_s, u"https://cli.example"_s,
                       u"--jwks"_s, u"https://p.supabase.co/auth/v1/.well-known/jwks.json"_s},
                      {{u"RTAI_JWT_SECRET"_s, secret + u"-env"_s},
                       {u"SUPABASE_JWT_SECRET"_s, secret},
                       {u"RTAI_JWT_USER_CLAIM"_s, u"user_id"_s}});
        QCOMPARE(result.action, ConfigLoadResult::Action::Run);
        QCOMPARE(result.config.jwtSecret, QString(secret + u"-env"_s)); // the first name wins
        QCOMPARE(result.config.jwtIssuer, u"https://cli.example"_s);
        QCOMPARE(result.config.jwks, u"https://p.supabase.co/auth/v1/.well-known/jwks.json"_s);
        QCOMPARE(result.config.jwtUserClaim, u"user_id"_s);

        const ConfigLoadResult shortSecret = load({}, {{u"RTAI_JWT_SECRET"_s, u"short"_s}});
        QCOMPARE(shortSecret.action, ConfigLoadResult::Action::Fail);
        QVERIFY(shortSecret.errors.join(u'\n').contains(u"at least 32"_s));
        QVERIFY(!shortSecret.errors.join(u'\n').contains(u"short"_s)); // never shown
        const ConfigLoadResult ftp = load({u"--jwks"_s, u"ftp://keys.example/jwks.json"_s});
        QCOMPARE(ftp.action, ConfigLoadResult::Action::Fail);
        QVERIFY(ftp.errors.join(u'\n').contains(u"neither a file nor an http(s) URL"_s));
        const ConfigLoadResult noClaim = load({u"--jwt-user-claim"_s, u" "_s});
        QCOMPARE(noClaim.action, ConfigLoadResult::Action::Fail);
    }

    void badLimitInEnvironmentIsAnError() {
        const ConfigLoadResult result = load({}, {{u"RTAI_MAX_MESSAGE_BYTES"_s, u"-5"_s}});
        QCOMPARE(result.action, ConfigLoadResult::Action::Fail);
        QVERIFY(result.errors.join(u'\n').contains(u"RTAI_MAX_MESSAGE_BYTES"_s));
    }

    void llmHttpAndCaFile() {
        QCOMPARE(load({}).config.llmHttp, u"auto"_s);
        QCOMPARE(load({}, {{u"RTAI_LLM_HTTP"_s, u"1.1"_s}}).config.llmHttp, u"1.1"_s);
        QCOMPARE(load({}, {{u"RTAI_LLM_HTTP"_s, u" 2 "_s}}).config.llmHttp, u"2"_s);
        const ConfigLoadResult version = load({}, {{u"RTAI_LLM_HTTP"_s, u"3"_s}});
        QCOMPARE(version.action, ConfigLoadResult::Action::Fail);
        QVERIFY2(version.errors.join(u'\n').contains(u"RTAI_LLM_HTTP '3' is not auto, 1.1 or 2"_s),
                 qPrintable(version.errors.join(u'\n')));

        const ConfigLoadResult missing =
            load({}, {{u"RTAI_LLM_CA_FILE"_s, m_dir.filePath(u"none.pem"_s)}});
        QCOMPARE(missing.action, ConfigLoadResult::Action::Fail);
        QVERIFY2(missing.errors.join(u'\n').contains(u"cannot be read"_s),
                 qPrintable(missing.errors.join(u'\n')));
        writeFile(u"not-a-cert.pem"_s, "hello\n");
        const ConfigLoadResult notPem =
            load({}, {{u"RTAI_LLM_CA_FILE"_s, m_dir.filePath(u"not-a-cert.pem"_s)}});
        QCOMPARE(notPem.action, ConfigLoadResult::Action::Fail);
        QVERIFY2(notPem.errors.join(u'\n').contains(u"holds no PEM certificate"_s),
                 qPrintable(notPem.errors.join(u'\n')));
    }

    void clientBufferCap() {
        QCOMPARE(load({}).config.maxClientBufferBytes, 256 * 1024);
        QCOMPARE(load({}, {{u"RTAI_MAX_CLIENT_BUFFER_BYTES"_s, u"1048576"_s}})
                     .config.maxClientBufferBytes,
                 1048576);
        const ConfigLoadResult tooSmall =
            load({}, {{u"RTAI_MAX_CLIENT_BUFFER_BYTES"_s, u"1000"_s}});
        QCOMPARE(tooSmall.action, ConfigLoadResult::Action::Fail);
        QVERIFY(tooSmall.errors.join(u'\n').contains(u"RTAI_MAX_CLIENT_BUFFER_BYTES"_s));
    }

    void llmPrices() {
        QCOMPARE(load({}).config.llmPrices, u"gpt-4o-mini=0.15:0.60"_s);
        QCOMPARE(load({}, {{u"RTAI_LLM_PRICES"_s, u"m=1:2"_s}}).config.llmPrices, u"m=1:2"_s);
        const ConfigLoadResult bad = load({}, {{u"RTAI_LLM_PRICES"_s, u"m=free"_s}});
        QCOMPARE(bad.action, ConfigLoadResult::Action::Fail);
        QVERIFY2(bad.errors.join(u'\n').contains(u"llm/prices entry 'm=free'"_s),
                 qPrintable(bad.errors.join(u'\n')));
    }

    void helpIsAnAction() {
        const ConfigLoadResult result = load({u"--help"_s});
        QCOMPARE(result.action, ConfigLoadResult::Action::ShowHelp);
        QVERIFY(result.helpText.contains(u"--database-url"_s));
    }
};

QTEST_GUILESS_MAIN(TestConfigLoader)
#include "tst_configloader.moc"
