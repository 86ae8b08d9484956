#include "chat/ContextWindow.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace {

constexpr int kMessageOverhead = 4;
constexpr int kReplyPriming = 3;

enum class CharClass { Space, AsciiWord, Digit, AsciiPunct, Letter, Wide, Astral };

CharClass classify(char32_t c) {
    if (c < 0x80) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            return CharClass::Space;
        if (c >= '0' && c <= '9')
            return CharClass::Digit;
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        return letter ? CharClass::AsciiWord : CharClass::AsciiPunct;
    }
    if (c > 0xFFFF)
        return CharClass::Astral;
    // Latin supplements and extensions, Greek, Cyrillic, Armenian, Hebrew: alphabetic scripts
    // that BPE tokenizers split into a few pieces per word.
    if (c < 0x0600)
        return CharClass::Letter;
    return CharClass::Wide;
}

} // namespace

ContextWindow::ContextWindow(int contextTokens)
    : m_contextTokens(qMax(256, contextTokens)) {}

int ContextWindow::contextTokens() const {
    return m_contextTokens;
}

int ContextWindow::replyReserve() const {
    return qMin(m_contextTokens / 4, 4096);
}

int ContextWindow::promptBudget() const {
    return m_contextTokens - replyReserve();
}

int ContextWindow::summaryBudget() const {
    return qBound(64, m_contextTokens / 8, 1024);
}

int ContextWindow::estimateTokens(const QString &text) {
    int tokens = 0;
    CharClass run = CharClass::Space;
    int runLength = 0;
    auto closeRun = [&] {
        if (run == CharClass::AsciiWord)
            tokens += qMax(1, (runLength + 2) / 4);
        else if (run == CharClass::Digit)
            tokens += (runLength + 2) / 3;
        else if (run == CharClass::Letter)
            tokens += (runLength + 1) / 2;
        runLength = 0;
    };
    for (const char32_t c : QStringView(text).toUcs4()) {
        const CharClass cls = classify(c);
        if (cls != run)
            closeRun();
        run = cls;
        switch (cls) {
        case CharClass::Space:
            break;
        case CharClass::AsciiWord:
        case CharClass::Digit:
        case CharClass::Letter:
            ++runLength;
            break;
        case CharClass::AsciiPunct:
        case CharClass::Wide:
            ++tokens;
            break;
        case CharClass::Astral:
            tokens += 2;
            break;
        }
    }
    closeRun();
    return tokens;
}

int ContextWindow::estimateTokens(const ChatMessage &message) {
    int tokens = kMessageOverhead + estimateTokens(message.content);
    for (const ToolCall &call : message.toolCalls)
        tokens += kMessageOverhead + estimateTokens(call.id) + estimateTokens(call.name) +
                  estimateTokens(call.arguments);
    if (!message.toolCallId.isEmpty())
        tokens += estimateTokens(message.toolCallId);
    return tokens;
}

int ContextWindow::estimateTokens(const QList<ChatMessage> &messages) {
    int tokens = kReplyPriming;
    for (const ChatMessage &message : messages)
        tokens += estimateTokens(message);
    return tokens;
}

int ContextWindow::estimateTokens(const QJsonArray &tools) {
    if (tools.isEmpty())
        return 0;
    return estimateTokens(QString::fromUtf8(QJsonDocument(tools).toJson(QJsonDocument::Compact)));
}

int ContextWindow::turnsToFold(int fixedTokens, const QList<QList<ChatMessage>> &turns) const {
    QList<int> sizes;
    int total = fixedTokens + kReplyPriming;
    for (const QList<ChatMessage> &turn : turns) {
        int size = 0;
        for (const ChatMessage &message : turn)
            size += estimateTokens(message);
        sizes.append(size);
        total += size;
    }
    if (total <= promptBudget())
        return 0;
    const int target = promptBudget() * 3 / 4;
    const int foldable = qMax(0, int(turns.size()) - kVerbatimTurns);
    int fold = 0;
    while (fold < foldable && total > target)
        total -= sizes.at(fold++);
    return fold;
}

QList<ChatMessage> ContextWindow::assemble(const QString &systemPrompt, const QString &summary,
                                           const QList<ChatMessage> &messages) {
    QList<ChatMessage> all;
    if (!systemPrompt.isEmpty())
        all.append(ChatMessage::system(systemPrompt));
    if (!summary.isEmpty())
        all.append(ChatMessage::system(u"Summary of the earlier part of this conversation:\n"_s +
                                       summary));
    all += messages;
    return all;
}
