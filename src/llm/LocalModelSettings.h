#pragma once

#include <QString>

struct Config;

// Where the bundled local model lives and how llama-server is started. The files are prepared by
// scripts/setup-local-model in the cache directory; the program never downloads anything.
struct LocalModelSettings {
    QString serverPath;             // the llama-server executable
    QString modelPath;              // a GGUF file
    int contextSize = 16384;        // tokens, shared by the parallel slots
    int parallel = 2;               // requests served at once (llama-server slots)
    int threads = 0;                // 0: llama-server's default (all cores)
    int healthTimeoutMs = 180000;   // from start until GET /health answers 200
    int healthPollIntervalMs = 250; // how often /health is asked while loading
    int maxRestartDelayMs = 30000;  // the backoff doubles from 500 ms up to this
    int maxFailedStarts = 5;        // starts in a row that never became ready, then Failed

    // The model used when no --local-model is given; chosen by measurement (README).
    static QString defaultModelFileName();
    // RTAI_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/realtime-ai/local-model (as the script).
    static QString cacheDir();
    // The cached llama-server and the model from `config.localModelPath` or the default one.
    static LocalModelSettings fromConfig(const Config &config);

    // The GGUF file name without .gguf: what llama-server is told to call the model.
    QString modelName() const;
    // Empty when both files are usable, else what is missing and how to get it.
    QString problem() const;
    bool isInstalled() const { return problem().isEmpty(); }
};
