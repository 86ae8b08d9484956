#pragma once

#include "llm/LlmEndpointProbe.h"
#include "llm/LlmError.h"

#include <QString>
#include <QUrl>

// What a person setting up an LLM endpoint (the console's Settings) is told when listing its
// models or a test completion fails: what happened and which of base URL, model and API key to
// check. Pure functions (tests/llm/tst_llmsetup).
namespace LlmSetupAdvice {

// No HTTP answer: refused, host not found, no answer in time, TLS; empty for other errors.
QString unreachable(const QUrl &baseUrl, int networkError, qint64 timeoutMs);
// Why GET {base}/models gave no list; empty when it gave one.
QString forModelList(const QUrl &baseUrl, const LlmEndpointProbe::Result &result, bool hasApiKey,
                     qint64 timeoutMs);
// A test completion with `model` failed with `error`.
QString forCompletion(const QUrl &baseUrl, const QString &model, const LlmError &error,
                      bool hasApiKey, qint64 timeoutMs);

} // namespace LlmSetupAdvice
