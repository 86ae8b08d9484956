#pragma once

#include "core/ChatMessage.h"

#include <QJsonArray>
#include <QList>
#include <QString>

// The token budget of one model and the decision of what must be folded to stay within it.
//
// Tokens are estimated, not counted (no tokenizer for every model): a run of ASCII letters and
// digits costs one token per 4 characters (at least one per word), ASCII punctuation one each,
// spaces nothing, Latin/Cyrillic/Greek letters beyond ASCII one per 2 characters, CJK and other
// scripts one per character, symbols outside the BMP (emoji) two; each message adds 4 for its
// framing. This errs on the high side for English prose (BPE tokenizers average ~4.2 characters
// per token) and stays close for code, JSON and non-Latin text, where chars/4 falls far short.
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
