#pragma once

#include <QList>
#include <QString>

// A known kind of LLM server and the settings it usually needs: what the console's guided setup
// fills in. The bundled local model has no base URL (the server starts it when neither a base
// URL nor an API key is set).
struct LlmProviderPreset {
    QString id;      // openai, ollama, lmstudio, vllm, llama-server, local
    QString name;    // as shown
    QString baseUrl; // empty: the bundled local model
    QString model;   // a usual model; empty: whatever the server has loaded
    bool needsApiKey = false;
    QString hint; // how to start that server, for the person setting it up

    bool isBundledModel() const { return baseUrl.isEmpty(); }

    static const QList<LlmProviderPreset> &all();
    // The preset `id` names; nullptr when there is none.
    static const LlmProviderPreset *find(const QString &id);
    // The preset whose base URL is `baseUrl` (a trailing slash, "/v1" left out or "localhost"
    // for 127.0.0.1 do not matter); nullptr when none is.
    static const LlmProviderPreset *forBaseUrl(const QString &baseUrl);
};
