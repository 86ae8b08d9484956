#include "llm/LlmClient.h"

#include "llm/LlmCircuitBreaker.h"
#include "llm/LlmNetworkPool.h"
#include "llm/LlmRequestQueue.h"
#include "llm/LlmStream.h"

using namespace Qt::StringLiterals;

namespace {

LlmCircuitBreaker::Settings breakerSettings(const LlmSettings &settings) {
    LlmCircuitBreaker::Settings breaker;
    breaker.failureThreshold = settings.breakerFailureThreshold;
    breaker.openMs = settings.breakerOpenMs;
    return breaker;
}

} // namespace

LlmClient::LlmClient(const LlmSettings &settings, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_queue(new LlmRequestQueue(settings.maxConnections, this))
    , m_breaker(new LlmCircuitBreaker(breakerSettings(settings), this))
    , m_network(new LlmNetworkPool(this)) {
    qRegisterMetaType<LlmResult>();
    qRegisterMetaType<LlmError>();
}

LlmClient::LlmClient(LlmClient *shared, QObject *parent)
    : QObject(parent)
    , m_settings(shared->settings())
    , m_queue(shared->queue())
    , m_breaker(shared->breaker())
    , m_network(new LlmNetworkPool(this)) {
    connect(shared, &LlmClient::settingsChanged, this, [this](const LlmSettings &settings) {
        m_settings = settings; // the queue and the breaker are the shared client's
    });
}

LlmClient::~LlmClient() {
    Q_EMIT shuttingDown();
}

void LlmClient::setSettings(const LlmSettings &settings) {
    if (settings.baseUrl != m_settings.baseUrl)
        m_breaker->recordSuccess(); // another endpoint: its health is not the old one's
    m_settings = settings;
    m_queue->setCapacity(settings.maxConnections);
    m_breaker->setSettings(breakerSettings(settings));
    Q_EMIT settingsChanged(settings);
}

LlmSettings LlmClient::settings() const {
    return m_settings;
}

bool LlmClient::isConfigured() const {
    return !m_settings.baseUrl.isEmpty();
}

LlmStream *LlmClient::stream(const ChatRequest &request, QObject *parent, LlmPriority priority) {
    return new LlmStream(this, m_settings, request, priority, parent);
}

QUrl LlmClient::completionsUrl(const QUrl &baseUrl) {
    QUrl url = baseUrl;
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    if (path.endsWith("/chat/completions"_L1)) {
        url.setPath(path);
        return url;
    }
    if (path.isEmpty())
        path = u"/v1"_s;
    url.setPath(path + "/chat/completions"_L1);
    return url;
}
