#pragma once

#include "core/ChatMessage.h"

#include <QJsonArray>
#include <QList>
#include <QString>

// The token budget of one model and the decision of what must be folded to stay within it.
//
// Tokens are estimated, not counted (there is no tokenizer for every model). The estimate follows
// how BPE tokenizers (cl100k, o200k, Llama's) cut text: a run of ASCII letters costs one token per
// 4 letters, rounded, at least one (most English words are one token); digits one per 3; ASCII
// punctuation one each; whitespace nothing (it joins the next word); letters of other alphabetic
// scripts (Latin supplements, Greek, Cyrillic, Hebrew) one per 2; CJK and every other script one
// per character; characters outside the BMP (emoji) two; each message adds 4 for its framing.
// English prose comes out close to the real count, JSON and code somewhat above it (punctuation
// merges in real tokenizers), which errs on the safe side; plain chars/4 would undercount
// non-Latin text by a factor of 3 or more.
class ContextWindow {
public:
    explicit ContextWindow(int contextTokens);

    // The newest turns that are never folded: the running turn and the one before it.
    static constexpr int kVerbatimTurns = 2;

    int contextTokens() const;
    int replyReserve() const;  // kept free for the model's answer: a quarter, at most 4096
    int promptBudget() const;  // contextTokens - replyReserve
    int summaryBudget() const; // the rolling summary's length limit: an eighth, 64..1024

    static int estimateTokens(const QString &text);
    static int estimateTokens(const ChatMessage &message);
    static int estimateTokens(const QList<ChatMessage> &messages);
    static int estimateTokens(const QJsonArray &tools);

    // How many of the oldest `turns` must be folded so that `fixedTokens` (system prompt, tool
    // schemas, the summary's allowance) plus the remaining turns fit promptBudget(). When folding
    // is needed it goes down to 3/4 of the budget, so that the next turns do not fold again at
    // once. The newest kVerbatimTurns are never folded, even when they alone do not fit.
    int turnsToFold(int fixedTokens, const QList<QList<ChatMessage>> &turns) const;

    // What the model receives: the system prompt, the rolling summary (as a second system
    // message) and the verbatim messages.
    static QList<ChatMessage> assemble(const QString &systemPrompt, const QString &summary,
                                       const QList<ChatMessage> &messages);

private:
    int m_contextTokens;
};
