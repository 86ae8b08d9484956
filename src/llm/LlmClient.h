#pragma once

#include "llm/ChatRequest.h"
#include "llm/LlmSettings.h"

#include <QObject>
#include <QUrl>

class LlmStream;
class QNetworkAccessManager;

// Streams OpenAI Chat Completions from OpenAI or any compatible server. Main thread only.
class LlmClient : public QObject {
    Q_OBJECT
public:
    explicit LlmClient(const LlmSettings &settings, QObject *parent = nullptr);
    ~LlmClient() override;

    void setSettings(const LlmSettings &settings); // used by streams started afterwards
    LlmSettings settings() const;
    // false: no base URL; every stream then fails with Unavailable and how to configure one.
    bool isConfigured() const;

    // Starts one request on the next event loop iteration, so signals can be connected first.
    // The stream belongs to `parent`.
    LlmStream *stream(const ChatRequest &request, QObject *parent);

    // {base}/chat/completions; a base with an empty path gets /v1, a trailing slash is ignored.
    static QUrl completionsUrl(const QUrl &baseUrl);

private:
    LlmSettings m_settings;
    QNetworkAccessManager *m_network;
};
