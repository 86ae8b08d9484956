// OpenAiStreamDecoder: a Chat Completions body (SSE, or one JSON document) must decode to the
// same reply whether it arrives in one chunk or split at a fuzzer-chosen point, and never crash.
// Input: one control byte (the split point), then the body.
#include "FuzzSupport.h"
#include "llm/OpenAiStreamDecoder.h"

using namespace Qt::StringLiterals;

namespace {

struct Outcome {
    QString content;
    bool sawDelta = false;
    bool sawProgress = false;
    bool done = false;
    bool failed = false;
    LlmError::Kind failureKind = LlmError::Kind::Unavailable;
    QString failureMessage;
    LlmResult result;
};

void add(Outcome &outcome, const OpenAiStreamDecoder::Progress &progress) {
    outcome.content += progress.content.join(QString());
    outcome.sawDelta = outcome.sawDelta || progress.sawDelta;
    outcome.sawProgress = outcome.sawProgress || progress.sawProgress;
    FUZZ_CHECK(!progress.sawDelta || progress.sawProgress, u"a delta is progress"_s);
    FUZZ_CHECK(!progress.sawProgress || progress.sawActivity, u"progress is activity"_s);
    FUZZ_CHECK(progress.content.isEmpty() || progress.sawDelta, u"content is a delta"_s);
    outcome.done = progress.done;
    if (progress.failure) {
        outcome.failed = true;
        outcome.failureKind = progress.failure->error.kind;
        outcome.failureMessage = progress.failure->error.message;
        FUZZ_CHECK(!outcome.failureMessage.isEmpty(), u"a failure says what happened"_s);
    }
}

Outcome decode(const QList<QByteArray> &chunks) {
    const LlmFailures::Target target{u"llm.example:443"_s, u"llm.example"_s,
                                     u"https://llm.example/v1/chat/completions"_s, u"gpt-test"_s,
                                     true};
    OpenAiStreamDecoder decoder(target, u"gpt-test"_s);
    Outcome outcome;
    for (const QByteArray &chunk : chunks) {
        add(outcome, decoder.feed(chunk));
        if (outcome.done || outcome.failed)
            break;
    }
    if (!outcome.done && !outcome.failed)
        add(outcome, decoder.finish());
    outcome.result = decoder.result();
    return outcome;
}

QString describe(const Outcome &o) {
    QString text = u"content=%1 delta=%2 progress=%3 done=%4 failed=%5 %6 finish=%7 model=%8 "
                   "usage=%9/%10"_s.arg(o.content)
                       .arg(o.sawDelta)
                       .arg(o.sawProgress)
                       .arg(o.done)
                       .arg(o.failed)
                       .arg(o.failureMessage, o.result.finishReason, o.result.model)
                       .arg(o.result.usage.promptTokens)
                       .arg(o.result.usage.completionTokens);
    for (const ToolCall &call : o.result.toolCalls)
        text += u"\n[tool %1 %2 %3]"_s.arg(call.id, call.name, call.arguments);
    return text;
}

bool sameCalls(const QList<ToolCall> &a, const QList<ToolCall> &b) {
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        // Ids the assembler generates (no id in the stream) are random.
        const bool generated = a[i].id.startsWith(u"call_") && b[i].id.startsWith(u"call_");
        if (a[i].name != b[i].name || a[i].arguments != b[i].arguments ||
            (!generated && a[i].id != b[i].id))
            return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    fuzzQuietQt();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    const QByteArray body = fuzzBytes(data + 1, size - 1);
    const qsizetype at = qsizetype(data[0]) * body.size() / 255;

    const Outcome whole = decode({body});
    const Outcome split = decode({body.left(at), body.mid(at)});
    FUZZ_CHECK(
        whole.content == split.content && whole.sawDelta == split.sawDelta &&
            whole.sawProgress == split.sawProgress && whole.done == split.done &&
            whole.failed == split.failed && whole.failureKind == split.failureKind &&
            whole.failureMessage == split.failureMessage &&
            whole.result.finishReason == split.result.finishReason &&
            whole.result.model == split.result.model && whole.result.usage == split.result.usage &&
            sameCalls(whole.result.toolCalls, split.result.toolCalls),
        u"one chunk:\n%1\nsplit at %2:\n%3"_s.arg(describe(whole)).arg(at).arg(describe(split)));
    for (const ToolCall &call : whole.result.toolCalls)
        FUZZ_CHECK(!call.id.isEmpty() && !call.arguments.trimmed().isEmpty(),
                   u"every call has an id and arguments"_s);

    // The same bytes as a non-streamed answer.
    const LlmFailures::Target target{u"llm.example"_s, u"llm.example"_s, {}, u"m"_s, false};
    OpenAiStreamDecoder decoder(target, u"m"_s);
    const OpenAiStreamDecoder::Progress progress = decoder.decodeWhole(body);
    FUZZ_CHECK(progress.done != progress.failure.has_value(), u"done or failed, not both"_s);
    return 0;
}
