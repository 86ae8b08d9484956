#pragma once

#include "core/ChatMessage.h"
#include "core/Event.h"
#include "llm/LlmClient.h"

#include <QFuture>
#include <QList>
#include <QObject>
#include <QString>

// Summaries written by the LLM: the session summary stored when a session ends, and the rolling
// summary a Conversation folds its oldest turns into.
class Summarizer : public QObject {
    Q_OBJECT

public:
    explicit Summarizer(LlmClient *llm, QObject *parent = nullptr);

    // The session summary of these events. "" without asking the LLM when they hold no message;
    // fails with SummaryError when the LLM fails or answers nothing.
    QFuture<QString> summarize(const QList<Event> &events);

    static ChatRequest sessionSummaryRequest(const QList<ChatMessage> &messages);
    // Folds `messages` into `previousSummary`; the request fits `maxRequestTokens`.
    static ChatRequest foldRequest(const QString &previousSummary,
                                   const QList<ChatMessage> &messages, int maxSummaryTokens,
                                   int maxRequestTokens);
    // "User: …" / "Assistant: …" / "Tool x returned: …" lines; each message is cut to keep the
    // whole within about maxTokens.
    static QString transcript(const QList<ChatMessage> &messages, int maxTokens);

private:
    LlmClient *m_llm;
};
