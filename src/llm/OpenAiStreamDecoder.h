#pragma once

#include "llm/LlmFailure.h"
#include "llm/LlmFailures.h"
#include "llm/LlmResult.h"
#include "llm/SseParser.h"
#include "llm/ToolCallAssembler.h"

#include <QByteArray>
#include <QStringList>
#include <optional>

// Decodes the body of one Chat Completions answer, an event stream (SSE) or one JSON document,
// into the pieces of an LlmResult: content deltas (handed out, not kept: the caller keeps what it
// passed on), tool calls, usage, model and finish reason. Pure: no I/O and no signals; the
// caller feeds it bytes and acts on what each call reports.
class OpenAiStreamDecoder {
public:
    // What one call decoded. After `done` or `failure`, the rest of that input is ignored.
    struct Progress {
        QStringList content;      // text deltas, in order
        bool sawDelta = false;    // content or a tool-call delta: the reply has begun
        bool sawProgress = false; // a delta, or reasoning (proof of life, nothing to show)
        bool sawActivity = false; // any chunk, including role-, finish- and usage-only ones
        bool done = false;        // [DONE], or a whole non-streamed answer
        std::optional<LlmFailure> failure;
    };

    OpenAiStreamDecoder(const LlmFailures::Target &target, const QString &model);

    void reset(); // a new attempt: everything but the model
    Progress feed(const QByteArray &bytes);
    Progress finish(); // the body ended: the events still buffered
    Progress decodeWhole(const QByteArray &json);

    // The reply so far, without content, ttftMs and durationMs (the caller's).
    LlmResult result() const;
    bool hasFinishReason() const { return !m_finishReason.isEmpty(); }

private:
    void decode(const QList<SseEvent> &events, Progress &progress);
    // false: the stream ended (done or failure set).
    bool decodeEvent(const SseEvent &event, Progress &progress);
    void decodeChunk(const QJsonObject &chunk, Progress &progress);

    LlmFailures::Target m_target;
    SseParser m_parser;
    ToolCallAssembler m_toolCalls;
    QString m_model;
    QString m_finishReason;
    LlmUsage m_usage;
};
