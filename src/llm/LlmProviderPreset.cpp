#include "llm/LlmProviderPreset.h"

#include "llm/LlmEndpointProbe.h"

#include <QUrl>

using namespace Qt::StringLiterals;

namespace {

// The models URL says where a base URL really points: {base}/v1 and {base}/v1/ are the same.
QString comparable(const QString &baseUrl) {
    QUrl url(baseUrl.trimmed());
    if (url.host() == "localhost"_L1)
        url.setHost(u"127.0.0.1"_s);
    return LlmEndpointProbe::modelsUrl(url).toString(QUrl::RemoveUserInfo);
}

} // namespace

const QList<LlmProviderPreset> &LlmProviderPreset::all() {
    static const QList<LlmProviderPreset> presets{
        {u"openai"_s, u"OpenAI"_s, u"https://api.openai.com/v1"_s, u"gpt-4o-mini"_s, true,
         u"needs an API key from platform.openai.com"_s},
        {u"ollama"_s, u"Ollama"_s, u"http://127.0.0.1:11434/v1"_s, u"llama3.2"_s, false,
         u"start it with `ollama serve`; `ollama pull llama3.2` fetches the model"_s},
        {u"lmstudio"_s,
         u"LM Studio"_s,
         u"http://127.0.0.1:1234/v1"_s,
         {},
         false,
         u"Developer tab → Start Server; the model is the loaded model's identifier"_s},
        {u"vllm"_s, u"vLLM"_s, u"http://127.0.0.1:8000/v1"_s, u"Qwen/Qwen2.5-7B-Instruct"_s, false,
         u"`vllm serve MODEL --enable-auto-tool-choice --tool-call-parser hermes`; it uses port "
         "8000, so run this server on another port"_s},
        {u"llama-server"_s,
         u"llama.cpp llama-server"_s,
         u"http://127.0.0.1:8080/v1"_s,
         {},
         false,
         u"`llama-server -m model.gguf --jinja --port 8080`; it serves one model"_s},
        {u"local"_s,
         u"Bundled local model"_s,
         {},
         {},
         false,
         u"runs inside this program when no base URL and no API key are set "
         "(scripts/setup-local-model installs it)"_s},
    };
    return presets;
}

const LlmProviderPreset *LlmProviderPreset::find(const QString &id) {
    for (const LlmProviderPreset &preset : all()) {
        if (preset.id == id)
            return &preset;
    }
    return nullptr;
}

const LlmProviderPreset *LlmProviderPreset::forBaseUrl(const QString &baseUrl) {
    if (baseUrl.trimmed().isEmpty())
        return nullptr;
    const QString wanted = comparable(baseUrl);
    for (const LlmProviderPreset &preset : all()) {
        if (!preset.isBundledModel() && comparable(preset.baseUrl) == wanted)
            return &preset;
    }
    return nullptr;
}
