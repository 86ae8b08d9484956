#include "chat/ContextWindow.h"

#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// A turn of roughly `words` tokens: a question and an answer.
QList<ChatMessage> turn(int words) {
    QStringList text;
    for (int i = 0; i < words / 2; ++i)
        text << u"word"_s;
    return {ChatMessage::user(text.join(u' ')), ChatMessage::assistant(text.join(u' '))};
}

int size(const QList<ChatMessage> &messages) {
    int tokens = 0;
    for (const ChatMessage &message : messages)
        tokens += ContextWindow::estimateTokens(message);
    return tokens;
}

} // namespace

class TestContextWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void estimatesCloseToRealTokenizers() {
        // Real counts with OpenAI's cl100k tokenizer in the comments.
        QCOMPARE(ContextWindow::estimateTokens(QString()), 0);
        QCOMPARE(ContextWindow::estimateTokens(u"Hello, world!"_s), 4); // 4
        QCOMPARE(ContextWindow::estimateTokens(u"The quick brown fox jumps over the lazy dog."_s),
                 10);                                               // 10
        QCOMPARE(ContextWindow::estimateTokens(u"123456789"_s), 3); // 3
        // Non-Latin scripts: far more than chars/4 would say.
        QCOMPARE(ContextWindow::estimateTokens(u"你好世界"_s), 4);   // 4-5
        QCOMPARE(ContextWindow::estimateTokens(u"Привет мир"_s), 5); // 5
        QCOMPARE(ContextWindow::estimateTokens(u"🙂🙂"_s), 4);   // 4-6
        // JSON comes out on the high side, never below the real count (13).
        const int json =
            ContextWindow::estimateTokens(u"{\"weight_kg\":5,\"destination\":\"US\"}"_s);
        QVERIFY2(json >= 13 && json <= 26, QByteArray::number(json).constData());
    }

    void messagesAddTheirFraming() {
        const ChatMessage plain = ChatMessage::user(u"hello"_s);
        QCOMPARE(ContextWindow::estimateTokens(plain), 5);
        const ChatMessage calls = ChatMessage::assistant({}, {{u"c1"_s, u"calculator"_s, u"{}"_s}});
        QVERIFY(ContextWindow::estimateTokens(calls) > 8);
        QCOMPARE(ContextWindow::estimateTokens(QList<ChatMessage>{plain, plain}), 13);
        QCOMPARE(ContextWindow::estimateTokens(QJsonArray()), 0);
        QVERIFY(ContextWindow::estimateTokens(QJsonArray{QJsonObject{{u"type"_s, u"function"_s}}}) >
                3);
    }

    void budgets() {
        const ContextWindow small(1000);
        QCOMPARE(small.replyReserve(), 250);
        QCOMPARE(small.promptBudget(), 750);
        QCOMPARE(small.summaryBudget(), 125);
        const ContextWindow large(128000);
        QCOMPARE(large.replyReserve(), 4096);
        QCOMPARE(large.promptBudget(), 128000 - 4096);
        QCOMPARE(large.summaryBudget(), 1024);
        QCOMPARE(ContextWindow(10).contextTokens(), 256);
    }

    void nothingFoldsWhileEverythingFits() {
        const ContextWindow window(1000);
        QCOMPARE(window.turnsToFold(100, {turn(100), turn(100)}), 0);
        QCOMPARE(window.turnsToFold(0, {}), 0);
    }

    void foldsOldestTurnsDownToThreeQuartersOfTheBudget() {
        const ContextWindow window(1000); // prompt budget 750, fold target 562
        QList<QList<ChatMessage>> turns;
        for (int i = 0; i < 8; ++i)
            turns.append(turn(100));
        const int perTurn = size(turns.first());
        const int fixed = 50;
        const int fold = window.turnsToFold(fixed, turns);
        QVERIFY(fold > 0);
        int remaining = fixed;
        for (int i = fold; i < turns.size(); ++i)
            remaining += size(turns.at(i));
        QVERIFY2(remaining <= window.promptBudget() * 3 / 4,
                 QByteArray::number(remaining).constData());
        // …and not one turn more than needed.
        QVERIFY(remaining + perTurn > window.promptBudget() * 3 / 4);
    }

    void theNewestTurnsAreNeverFolded() {
        const ContextWindow window(1000);
        const QList<QList<ChatMessage>> turns = {turn(100), turn(600), turn(600)};
        QCOMPARE(window.turnsToFold(0, turns), 1);
        QCOMPARE(window.turnsToFold(0, {turn(900), turn(900)}), 0);
        QCOMPARE(window.turnsToFold(0, {turn(2000)}), 0);
    }

    void assemblesSystemPromptSummaryAndMessages() {
        const QList<ChatMessage> messages = {ChatMessage::user(u"hi"_s)};
        const QList<ChatMessage> all =
            ContextWindow::assemble(u"Be brief."_s, u"The user is Ada."_s, messages);
        QCOMPARE(all.size(), 3);
        QCOMPARE(all.at(0), ChatMessage::system(u"Be brief."_s));
        QCOMPARE(all.at(1).role, ChatMessage::Role::System);
        QVERIFY(all.at(1).content.endsWith(u"The user is Ada."_s));
        QCOMPARE(all.at(2), messages.first());
        QCOMPARE(ContextWindow::assemble({}, {}, messages), messages);
    }
};

QTEST_GUILESS_MAIN(TestContextWindow)
#include "tst_contextwindow.moc"
