#include "llm/OpenAiStreamDecoder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

OpenAiStreamDecoder::OpenAiStreamDecoder(const LlmFailures::Target &target, const QString &model)
    : m_target(target)
    , m_model(model) {}

void OpenAiStreamDecoder::reset() {
    m_parser.reset();
    m_toolCalls.clear();
    m_finishReason.clear();
    m_usage = {};
}

OpenAiStreamDecoder::Progress OpenAiStreamDecoder::feed(const QByteArray &bytes) {
    Progress progress;
    const QList<SseEvent> events = m_parser.feed(bytes);
    if (m_parser.hasError()) {
        progress.failure = LlmFailures::forOverlongLine(200, m_target);
        return progress;
    }
    decode(events, progress);
    return progress;
}

OpenAiStreamDecoder::Progress OpenAiStreamDecoder::finish() {
    Progress progress;
    decode(m_parser.finish(), progress);
    return progress;
}

OpenAiStreamDecoder::Progress OpenAiStreamDecoder::decodeWhole(const QByteArray &json) {
    Progress progress;
    const QJsonObject response = QJsonDocument::fromJson(json).object();
    const QJsonObject choice = response.value("choices"_L1).toArray().first().toObject();
    const QJsonObject message = choice.value("message"_L1).toObject();
    const QJsonValue error = response.value("error"_L1);
    if ((!error.isNull() && !error.isUndefined()) || message.isEmpty()) {
        progress.failure = LlmFailures::forNotAChatCompletion(json, m_target);
        return progress;
    }
    // The same shape as one streamed chunk whose delta is the whole message.
    QJsonObject asChunk = response;
    QJsonObject asChoice = choice;
    asChoice.insert(u"delta"_s, message);
    asChunk.insert(u"choices"_s, QJsonArray{asChoice});
    decodeChunk(asChunk, progress);
    progress.done = true;
    return progress;
}

LlmResult OpenAiStreamDecoder::result() const {
    LlmResult result;
    result.toolCalls = m_toolCalls.calls();
    result.finishReason = m_finishReason;
    result.usage = m_usage;
    result.model = m_model;
    return result;
}

void OpenAiStreamDecoder::decode(const QList<SseEvent> &events, Progress &progress) {
    for (const SseEvent &event : events)
        if (!decodeEvent(event, progress))
            return;
}

bool OpenAiStreamDecoder::decodeEvent(const SseEvent &event, Progress &progress) {
    if (event.data.trimmed() == "[DONE]"_L1) {
        progress.done = true;
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(event.data.toUtf8(), &parseError);
    const bool namedEvent =
        !event.event.isEmpty() && event.event != "message"_L1 && event.event != "error"_L1;
    if (namedEvent && !document.isObject())
        return true; // e.g. "event: ping": not part of the Chat Completions stream
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        progress.failure =
            LlmFailures::forMalformedEvent(parseError.errorString(), event.data, m_target);
        return false;
    }
    const QJsonObject chunk = document.object();
    const QJsonValue errorValue = chunk.value("error"_L1);
    if ((!errorValue.isNull() && !errorValue.isUndefined()) || event.event == "error"_L1) {
        progress.failure = LlmFailures::forErrorEvent(chunk, m_target);
        return false;
    }
    decodeChunk(chunk, progress);
    return true;
}

void OpenAiStreamDecoder::decodeChunk(const QJsonObject &chunk, Progress &progress) {
    progress.sawActivity = true;
    const QString model = chunk.value("model"_L1).toString();
    if (!model.isEmpty())
        m_model = model;
    const QJsonValue usage = chunk.value("usage"_L1);
    if (usage.isObject()) {
        const QJsonObject u = usage.toObject();
        m_usage.promptTokens = u.value("prompt_tokens"_L1).toInt();
        m_usage.completionTokens = u.value("completion_tokens"_L1).toInt();
    }
    const QJsonArray choices = chunk.value("choices"_L1).toArray();
    if (choices.isEmpty())
        return;
    const QJsonObject choice = choices.first().toObject();
    const QJsonObject delta = choice.value("delta"_L1).toObject();
    const QString finishReason = choice.value("finish_reason"_L1).toString();
    if (!finishReason.isEmpty())
        m_finishReason = finishReason;
    const QJsonArray toolCallDeltas = delta.value("tool_calls"_L1).toArray();
    if (!toolCallDeltas.isEmpty())
        m_toolCalls.add(toolCallDeltas);
    const QString content = delta.value("content"_L1).toString();
    if (!content.isEmpty() || !toolCallDeltas.isEmpty())
        progress.sawDelta = progress.sawProgress = true;
    // Reasoning models stream their thoughts first.
    if (!delta.value("reasoning_content"_L1).toString().isEmpty() ||
        !delta.value("reasoning"_L1).toString().isEmpty())
        progress.sawProgress = true;
    if (!content.isEmpty())
        progress.content.append(content);
}
