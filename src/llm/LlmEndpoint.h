#pragma once

#include "core/Config.h"
#include "llm/LlmSettings.h"
#include "llm/LocalModelSettings.h"

#include <QString>

// The LLM this process talks to, decided once from the Config: an explicit base URL, OpenAI (an
// API key), the bundled local model (nothing else configured and it is installed), or none. It
// supplies the client's settings, what the chat layer must know about the model, and the words
// the console and /readyz use for it.
class LlmEndpoint {
public:
    using Source = Config::LlmSource;

    static LlmEndpoint resolve(const Config &config);

    Source source() const { return m_source; }
    // Base URL (for the local model: set once llama-server runs), key, model, connection cap.
    LlmSettings settings() const { return m_settings; }
    LocalModelSettings localModel() const { return m_localModel; } // Source::LocalModel

    // The context window to assume (0: the chat layer's default) and the cap on reply tokens
    // (0: none). The local model gets one llama-server slot's share, and capped replies: a small
    // model can otherwise ramble until its context is full.
    int contextTokens() const;
    int maxReplyTokens() const;

    // "OpenAI · gpt-4o-mini", "127.0.0.1:11434 · llama3.2", "local model · NAME", "not configured".
    QString description() const;
    // Source::None: why no LLM can answer and how to configure one; else empty.
    QString problem() const;

private:
    Source m_source = Source::None;
    LlmSettings m_settings;
    LocalModelSettings m_localModel;
};
