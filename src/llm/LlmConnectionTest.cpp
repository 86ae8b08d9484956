#include "llm/LlmConnectionTest.h"

#include "core/Logging.h"
#include "llm/LlmClient.h"
#include "llm/LlmSetupAdvice.h"
#include "llm/LlmStream.h"

using namespace Qt::StringLiterals;

LlmConnectionTest::LlmConnectionTest(QObject *parent)
    : QObject(parent) {
    qRegisterMetaType<LlmConnectionTest::Result>();
}

LlmConnectionTest::~LlmConnectionTest() {
    drop();
}

void LlmConnectionTest::start(const LlmSettings &settings) {
    drop();
    m_settings = settings;
    m_settings.maxConnections = 1;
    m_settings.maxRetries = 0;
    m_settings.breakerFailureThreshold = 0;
    m_settings.queueTimeoutMs = m_timeoutMs;
    m_settings.connectTimeoutMs = m_timeoutMs;
    m_settings.firstTokenTimeoutMs = m_timeoutMs;
    m_settings.idleTimeoutMs = m_timeoutMs;
    m_client = new LlmClient(m_settings, this);

    ChatRequest request;
    request.messages = {ChatMessage::user(u"Say hello."_s)};
    request.maxTokens = 1;
    m_clock.start();
    m_stream = m_client->stream(request, this);
    connect(m_stream, &LlmStream::finished, this, &LlmConnectionTest::onFinished);
    connect(m_stream, &LlmStream::failed, this,
            [this](const LlmError &error, const LlmResult &) { onFailed(error); });
    qCInfo(lcLlm).noquote() << "testing the connection to"
                            << m_settings.baseUrl.toDisplayString(QUrl::RemoveUserInfo)
                            << "with the model" << m_settings.model;
}

bool LlmConnectionTest::isRunning() const {
    return !m_stream.isNull();
}

void LlmConnectionTest::cancel() {
    drop();
}

void LlmConnectionTest::drop() {
    // The stream goes first: it ends without a signal, whereas the client's destructor would
    // fail it.
    delete m_stream.data();
    delete m_client.data();
}

void LlmConnectionTest::dropLater() {
    // Called from the stream's own signal: it must outlive its emission.
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->deleteLater();
    }
    if (m_client)
        m_client->deleteLater();
    m_stream = nullptr;
    m_client = nullptr;
}

void LlmConnectionTest::onFinished(const LlmResult &reply) {
    Result result;
    result.ok = true;
    result.answer = reply.content;
    result.model = reply.model;
    result.latencyMs = m_clock.elapsed();
    dropLater();
    Q_EMIT finished(result);
}

void LlmConnectionTest::onFailed(const LlmError &error) {
    Result result;
    result.latencyMs = m_clock.elapsed();
    result.problem = LlmSetupAdvice::forCompletion(m_settings.baseUrl, m_settings.model, error,
                                                   !m_settings.apiKey.isEmpty(), m_timeoutMs);
    dropLater();
    Q_EMIT finished(result);
}
