// LlmEndpoint: which LLM the configuration means, decided once, and what follows from it.

#include "llm/LlmEndpoint.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using Source = LlmEndpoint::Source;

class TstLlmEndpoint : public QObject {
    Q_OBJECT

    QTemporaryDir m_cache;

    // A local-model cache with an executable engine and a model file (what isInstalled checks).
    void install() {
        QVERIFY(QDir(m_cache.path()).mkpath(u"bin"_s));
        QVERIFY(QDir(m_cache.path()).mkpath(u"models"_s));
        QFile engine(m_cache.filePath(u"bin/llama-server"_s));
        QVERIFY(engine.open(QIODevice::WriteOnly));
        engine.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                              QFileDevice::ExeOwner);
        QFile model(m_cache.filePath(u"models/Tiny.Q4.gguf"_s));
        QVERIFY(model.open(QIODevice::WriteOnly));
    }

private Q_SLOTS:
    void init() { qputenv("RTAI_CACHE_DIR", m_cache.path().toLocal8Bit()); }

    void explicitBaseUrl() {
        Config config;
        config.llmSource = Source::Explicit;
        config.llmBaseUrl = u"http://127.0.0.1:11434/v1"_s;
        config.llmModel = u"llama3.2"_s;
        const LlmEndpoint endpoint = LlmEndpoint::resolve(config);
        QCOMPARE(endpoint.source(), Source::Explicit);
        QCOMPARE(endpoint.settings().baseUrl, QUrl(u"http://127.0.0.1:11434/v1"_s));
        QCOMPARE(endpoint.settings().maxConnections, LlmSettings().maxConnections);
        QCOMPARE(endpoint.description(), u"127.0.0.1:11434 · llama3.2"_s);
        QCOMPARE(endpoint.contextTokens(), 0);
        QCOMPARE(endpoint.maxReplyTokens(), 0);
        QVERIFY(endpoint.problem().isEmpty());
    }

    void openAi() {
        Config config;
        config.llmSource = Source::OpenAi;
        config.llmBaseUrl = u"https://api.openai.com/v1"_s;
        config.llmApiKey = u"sk-test"_s;
        config.llmMaxConnections = 300;
        const LlmEndpoint endpoint = LlmEndpoint::resolve(config);
        QCOMPARE(endpoint.settings().apiKey, u"sk-test"_s);
        QCOMPARE(endpoint.settings().maxConnections, 300);
        QCOMPARE(endpoint.settings().http, LlmHttpVersion::Auto);
        config.llmHttp = u"1.1"_s;
        config.llmCaFile = u"/etc/ssl/private-ca.pem"_s;
        QCOMPARE(LlmEndpoint::resolve(config).settings().http, LlmHttpVersion::Http1);
        QCOMPARE(LlmEndpoint::resolve(config).settings().caFile, u"/etc/ssl/private-ca.pem"_s);
        config.llmHttp = u"2"_s;
        QCOMPARE(LlmEndpoint::resolve(config).settings().http, LlmHttpVersion::Http2);
        QCOMPARE(endpoint.description(), u"OpenAI · gpt-4o-mini"_s);
    }

    void nothingConfiguredNorInstalled() {
        const LlmEndpoint endpoint = LlmEndpoint::resolve(Config());
        QCOMPARE(endpoint.source(), Source::None);
        QCOMPARE(endpoint.description(), u"not configured"_s);
        QVERIFY2(endpoint.problem().contains(u"OPENAI_API_KEY"_s) &&
                     endpoint.problem().contains(u"scripts/setup-local-model"_s),
                 qPrintable(endpoint.problem()));
    }

    void theInstalledLocalModelStandsIn() {
        install();
        if (QTest::currentTestFailed())
            return;
        Config config;
        config.localModelPath = m_cache.filePath(u"models/Tiny.Q4.gguf"_s);
        const LlmEndpoint endpoint = LlmEndpoint::resolve(config);
        QCOMPARE(endpoint.source(), Source::LocalModel);
        QVERIFY(endpoint.settings().baseUrl.isEmpty()); // known once llama-server listens
        QCOMPARE(endpoint.settings().model, u"Tiny.Q4"_s);
        QCOMPARE(endpoint.settings().maxConnections, endpoint.localModel().parallel);
        QCOMPARE(endpoint.contextTokens(),
                 endpoint.localModel().contextSize / endpoint.localModel().parallel);
        QCOMPARE(endpoint.maxReplyTokens(), 1024);
        QCOMPARE(endpoint.description(), u"local model · Tiny.Q4"_s);
        QVERIFY(endpoint.problem().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TstLlmEndpoint)
#include "tst_llmendpoint.moc"
