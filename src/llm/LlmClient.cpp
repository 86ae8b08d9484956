#include "llm/LlmClient.h"

#include "core/Logging.h"
#include "llm/LlmStream.h"

#include <QNetworkAccessManager>

LlmClient::LlmClient(const LlmSettings &settings, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_network(new QNetworkAccessManager(this)) {
    qRegisterMetaType<LlmResult>();
    qRegisterMetaType<LlmError>();
}

LlmClient::~LlmClient() = default;

void LlmClient::setSettings(const LlmSettings &settings) {
    m_settings = settings;
}

LlmSettings LlmClient::settings() const {
    return m_settings;
}

bool LlmClient::isConfigured() const {
    return !m_settings.baseUrl.isEmpty();
}

LlmStream *LlmClient::stream(const ChatRequest &request, QObject *parent) {
    return new LlmStream(m_network, m_settings, request, parent);
}

QUrl LlmClient::completionsUrl(const QUrl &baseUrl) {
    QUrl url = baseUrl;
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    if (path.endsWith(QLatin1String("/chat/completions"))) {
        url.setPath(path);
        return url;
    }
    if (path.isEmpty())
        path = QStringLiteral("/v1");
    url.setPath(path + QLatin1String("/chat/completions"));
    return url;
}
