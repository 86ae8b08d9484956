#include "chat/Summarizer.h"

#include "chat/ContextWindow.h"
#include "chat/ConversationMemory.h"
#include "chat/SummaryError.h"
#include "llm/LlmStream.h"

#include <QPromise>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

// Sessions are summarized in one request; a transcript longer than this is cut per message.
constexpr int kSessionTranscriptTokens = 12000;
constexpr int kSessionSummaryTokens = 400;
constexpr int kMinTokensPerLine = 24;
constexpr int kOmissionTokens = 12;

QString speaker(const ChatMessage &message) {
    switch (message.role) {
    case ChatMessage::Role::System:
        return u"System"_s;
    case ChatMessage::Role::User:
        return u"User"_s;
    case ChatMessage::Role::Assistant:
        return u"Assistant"_s;
    case ChatMessage::Role::Tool:
        return u"Tool %1 returned"_s.arg(message.toolName);
    }
    return {};
}

QString cut(const QString &text, int maxTokens) {
    if (ContextWindow::estimateTokens(text) <= maxTokens)
        return text;
    // A token is at least one character: shrink until the estimate fits.
    QString part = text.left(maxTokens * 4);
    while (part.size() > 1 && ContextWindow::estimateTokens(part) > maxTokens)
        part.truncate(part.size() * 3 / 4);
    return part + u" […]"_s;
}

} // namespace

Summarizer::Summarizer(LlmClient *llm, QObject *parent)
    : QObject(parent)
    , m_llm(llm) {}

QString Summarizer::transcript(const QList<ChatMessage> &messages, int maxTokens) {
    QStringList lines;
    for (const ChatMessage &message : messages) {
        if (!message.content.isEmpty())
            lines.append(speaker(message) + u": "_s + message.content);
        for (const ToolCall &call : message.toolCalls)
            lines.append(u"Assistant called %1 with %2"_s.arg(call.name, call.arguments));
    }
    // Long messages are cut first; if there are still too many lines, the middle goes: the
    // beginning (who the user is) and the end (where it stands) matter most.
    const int perLine = qMax(kMinTokensPerLine, maxTokens / qMax(1, int(lines.size())));
    QList<int> sizes;
    int total = 0;
    for (QString &line : lines) {
        line = cut(line, perLine);
        sizes.append(ContextWindow::estimateTokens(line) + 1);
        total += sizes.last();
    }
    if (total <= maxTokens)
        return lines.join(u'\n');
    const int budget = maxTokens - kOmissionTokens;
    qsizetype head = 0;
    qsizetype tail = lines.size();
    int used = 0;
    for (bool fromHead = true; head < tail; fromHead = !fromHead) {
        const qsizetype next = fromHead ? head : tail - 1;
        if (used + sizes.at(next) > budget)
            break;
        used += sizes.at(next);
        if (fromHead)
            ++head;
        else
            --tail;
    }
    return (lines.mid(0, head) + QStringList{u"[… %1 lines left out …]"_s.arg(tail - head)} +
            lines.mid(tail))
        .join(u'\n');
}

ChatRequest Summarizer::sessionSummaryRequest(const QList<ChatMessage> &messages) {
    ChatRequest request;
    request.messages = {
        ChatMessage::system(
            u"Summarize this conversation between a user and an assistant for the "
            "assistant's records in at most %1 words: who the user is, what they asked, what "
            "was answered or done (tool results included) and anything left open. Write plain "
            "prose in the language of the conversation."_s.arg(kSessionSummaryTokens / 2)),
        ChatMessage::user(transcript(messages, kSessionTranscriptTokens)),
    };
    request.maxTokens = kSessionSummaryTokens;
    request.temperature = 0.2;
    return request;
}

ChatRequest Summarizer::foldRequest(const QString &previousSummary,
                                    const QList<ChatMessage> &messages, int maxSummaryTokens,
                                    int maxRequestTokens) {
    const QString instruction =
        u"Summarize the earlier part of a conversation between a user and an assistant so the "
        "assistant can continue it without the full transcript. Merge the summary so far with "
        "the new transcript into one summary of at most %1 words. Keep every fact the user gave "
        "(names, numbers, preferences), the questions asked, the answers and tool results, and "
        "anything still open. Write plain prose."_s.arg(maxSummaryTokens * 2 / 3);
    const QString summarySoFar =
        u"Summary so far:\n"_s + (previousSummary.isEmpty() ? u"(none)"_s : previousSummary);
    const int fixed = ContextWindow::estimateTokens(instruction) +
                      ContextWindow::estimateTokens(summarySoFar) + 32;
    ChatRequest request;
    request.messages = {
        ChatMessage::system(instruction),
        ChatMessage::user(summarySoFar + u"\n\nNew transcript:\n"_s +
                          transcript(messages, qMax(64, maxRequestTokens - fixed))),
    };
    request.maxTokens = maxSummaryTokens;
    request.temperature = 0.2;
    return request;
}

QFuture<QString> Summarizer::summarize(const QList<Event> &events) {
    auto promise = std::make_shared<QPromise<QString>>();
    QFuture<QString> future = promise->future();
    promise->start();
    const QList<ChatMessage> messages = ConversationMemory::messagesFromEvents(events);
    const bool hasConversation =
        std::any_of(messages.cbegin(), messages.cend(), [](const ChatMessage &m) {
            return m.role == ChatMessage::Role::User || m.role == ChatMessage::Role::Assistant;
        });
    if (!hasConversation) {
        promise->addResult(QString());
        promise->finish();
        return future;
    }
    LlmStream *stream =
        m_llm->stream(sessionSummaryRequest(messages), this, LlmPriority::Background);
    connect(stream, &LlmStream::finished, this, [promise, stream](const LlmResult &result) {
        const QString summary = result.content.trimmed();
        if (summary.isEmpty())
            promise->setException(SummaryError(u"The model answered the summary request with "
                                               "no text; the summary will be retried."_s));
        else
            promise->addResult(summary);
        promise->finish();
        stream->deleteLater();
    });
    connect(stream, &LlmStream::failed, this,
            [promise, stream](const LlmError &error, const LlmResult &) {
                promise->setException(SummaryError(error.message));
                promise->finish();
                stream->deleteLater();
            });
    return future;
}
