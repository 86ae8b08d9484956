#include "llm/LocalModelSettings.h"

#include "core/Config.h"

#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>

using namespace Qt::StringLiterals;

QString LocalModelSettings::defaultModelFileName() {
    return u"SmolLM2-135M-Instruct.Q4_1.gguf"_s;
}

QString LocalModelSettings::cacheDir() {
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QString overridden = env.value(u"RTAI_CACHE_DIR"_s);
    if (!overridden.isEmpty())
        return QDir::cleanPath(overridden);
    QString base = env.value(u"XDG_CACHE_HOME"_s);
    if (base.isEmpty())
        base = QDir::homePath() + u"/.cache"_s;
    return QDir::cleanPath(base + u"/realtime-ai/local-model"_s);
}

LocalModelSettings LocalModelSettings::fromConfig(const Config &config) {
    LocalModelSettings settings;
    const QDir cache(cacheDir());
    settings.serverPath = cache.filePath(u"bin/llama-server"_s);
    settings.modelPath = config.localModelPath.isEmpty()
                             ? cache.filePath(u"models/"_s + defaultModelFileName())
                             : QFileInfo(config.localModelPath).absoluteFilePath();
    return settings;
}

QString LocalModelSettings::modelName() const {
    QString name = QFileInfo(modelPath).fileName();
    if (name.endsWith(".gguf"_L1, Qt::CaseInsensitive))
        name.chop(5);
    return name;
}

QString LocalModelSettings::problem() const {
    const QFileInfo server(serverPath);
    if (!server.isFile() || !server.isExecutable())
        return u"the local model engine %1 is not installed; run "
               "scripts/setup-local-model (or configure OPENAI_API_KEY or "
               "--llm-base-url)"_s.arg(serverPath);
    const QFileInfo model(modelPath);
    if (!model.isFile() || !model.isReadable())
        return u"the local model file %1 does not exist or is not readable; run "
               "scripts/setup-local-model or give a GGUF file with --local-model"_s.arg(modelPath);
    return {};
}
