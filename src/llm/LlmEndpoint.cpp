#include "llm/LlmEndpoint.h"

#include "llm/LlmFailures.h"

using namespace Qt::StringLiterals;

namespace {

constexpr int kLocalModelMaxReplyTokens = 1024;

} // namespace

LlmEndpoint LlmEndpoint::resolve(const Config &config) {
    LlmEndpoint endpoint;
    endpoint.m_localModel = LocalModelSettings::fromConfig(config);
    endpoint.m_source = config.llmSource;
    if (endpoint.m_source == Source::None && endpoint.m_localModel.isInstalled())
        endpoint.m_source = Source::LocalModel;

    LlmSettings &settings = endpoint.m_settings;
    settings.apiKey = config.llmApiKey;
    settings.model = config.llmModel;
    settings.http = config.llmHttp == u"1.1" ? LlmHttpVersion::Http1
                    : config.llmHttp == u"2" ? LlmHttpVersion::Http2
                                             : LlmHttpVersion::Auto;
    settings.caFile = config.llmCaFile;
    if (endpoint.m_source == Source::LocalModel) {
        settings.model = endpoint.m_localModel.modelName();
        settings.maxConnections = endpoint.m_localModel.parallel; // its slots
    } else {
        settings.baseUrl = QUrl(config.llmBaseUrl);
    }
    if (config.llmMaxConnections > 0)
        settings.maxConnections = config.llmMaxConnections;
    return endpoint;
}

int LlmEndpoint::contextTokens() const {
    if (m_source != Source::LocalModel)
        return 0;
    return m_localModel.contextSize / qMax(1, m_localModel.parallel);
}

int LlmEndpoint::maxReplyTokens() const {
    return m_source == Source::LocalModel ? kLocalModelMaxReplyTokens : 0;
}

QString LlmEndpoint::description() const {
    switch (m_source) {
    case Source::OpenAi:
        return u"OpenAI · %1"_s.arg(m_settings.model);
    case Source::LocalModel:
        return u"local model · %1"_s.arg(m_settings.model);
    case Source::Explicit: {
        const QUrl &url = m_settings.baseUrl;
        const QString server =
            url.port() > 0 ? u"%1:%2"_s.arg(url.host()).arg(url.port()) : url.host();
        return u"%1 · %2"_s.arg(server, m_settings.model);
    }
    case Source::None:
        break;
    }
    return u"not configured"_s;
}

QString LlmEndpoint::problem() const {
    if (m_source != Source::None)
        return {};
    return u"%1 (%2)"_s.arg(LlmFailures::notConfigured().message, m_localModel.problem());
}
