#include "llm/OpenAiStreamDecoder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

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
    const QJsonObject choice =
        response.value(QLatin1String("choices")).toArray().first().toObject();
    const QJsonObject message = choice.value(QLatin1String("message")).toObject();
    const QJsonValue error = response.value(QLatin1String("error"));
    if ((!error.isNull() && !error.isUndefined()) || message.isEmpty()) {
        progress.failure = LlmFailures::forNotAChatCompletion(json, m_target);
        return progress;
    }
    // The same shape as one streamed chunk whose delta is the whole message.
    QJsonObject asChunk = response;
    QJsonObject asChoice = choice;
    asChoice.insert(QStringLiteral("delta"), message);
    asChunk.insert(QStringLiteral("choices"), QJsonArray{asChoice});
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
    if (event.data.trimmed() == QLatin1String("[DONE]")) {
        progress.done = true;
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(event.data.toUtf8(), &parseError);
    const bool namedEvent = !event.event.isEmpty() && event.event != QLatin1String("message") &&
                            event.event != QLatin1String("error");
    if (namedEvent && !document.isObject())
        return true; // e.g. "event: ping": not part of the Chat Completions stream
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        progress.failure =
            LlmFailures::forMalformedEvent(parseError.errorString(), event.data, m_target);
        return false;
    }
    const QJsonObject chunk = document.object();
    const QJsonValue errorValue = chunk.value(QLatin1String("error"));
    if ((!errorValue.isNull() && !errorValue.isUndefined()) ||
        event.event == QLatin1String("error")) {
        progress.failure = LlmFailures::forErrorEvent(chunk, m_target);
        return false;
    }
    decodeChunk(chunk, progress);
    return true;
}

void OpenAiStreamDecoder::decodeChunk(const QJsonObject &chunk, Progress &progress) {
    progress.sawActivity = true;
    const QString model = chunk.value(QLatin1String("model")).toString();
    if (!model.isEmpty())
        m_model = model;
    const QJsonValue usage = chunk.value(QLatin1String("usage"));
    if (usage.isObject()) {
        const QJsonObject u = usage.toObject();
        m_usage.promptTokens = u.value(QLatin1String("prompt_tokens")).toInt();
        m_usage.completionTokens = u.value(QLatin1String("completion_tokens")).toInt();
    }
    const QJsonArray choices = chunk.value(QLatin1String("choices")).toArray();
    if (choices.isEmpty())
        return;
    const QJsonObject choice = choices.first().toObject();
    const QJsonObject delta = choice.value(QLatin1String("delta")).toObject();
    const QString finishReason = choice.value(QLatin1String("finish_reason")).toString();
    if (!finishReason.isEmpty())
        m_finishReason = finishReason;
    const QJsonArray toolCallDeltas = delta.value(QLatin1String("tool_calls")).toArray();
    if (!toolCallDeltas.isEmpty())
        m_toolCalls.add(toolCallDeltas);
    const QString content = delta.value(QLatin1String("content")).toString();
    if (!content.isEmpty() || !toolCallDeltas.isEmpty())
        progress.sawDelta = progress.sawProgress = true;
    // Reasoning models stream their thoughts first.
    if (!delta.value(QLatin1String("reasoning_content")).toString().isEmpty() ||
        !delta.value(QLatin1String("reasoning")).toString().isEmpty())
        progress.sawProgress = true;
    if (!content.isEmpty())
        progress.content.append(content);
}
