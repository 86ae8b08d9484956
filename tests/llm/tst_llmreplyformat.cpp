#include "llm/LlmReplyFormat.h"

#include <QTest>

class TestLlmReplyFormat : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void kinds_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("kind");
        using Kind = LlmReplyFormat::Kind;
        QTest::newRow("event stream")
            << 200 << QByteArray("text/event-stream") << int(Kind::EventStream);
        QTest::newRow("no type") << 200 << QByteArray() << int(Kind::EventStream);
        QTest::newRow("json") << 200 << QByteArray("Application/JSON; charset=utf-8")
                              << int(Kind::Json);
        QTest::newRow("web page") << 200 << QByteArray("text/html") << int(Kind::WebPage);
        QTest::newRow("error json") << 429 << QByteArray("application/json") << int(Kind::Error);
        QTest::newRow("no answer") << 0 << QByteArray() << int(Kind::Error);
    }

    void kinds() {
        QFETCH(int, status);
        QFETCH(QByteArray, contentType);
        QFETCH(int, kind);
        const LlmReplyFormat format = LlmReplyFormat::of(status, contentType);
        QCOMPARE(int(format.kind), kind);
        QCOMPARE(format.isKeptWhole(), kind != int(LlmReplyFormat::Kind::EventStream));
        QVERIFY(!format.isKeptWhole() || format.maxBytes > 0);
    }

    void errorBodiesAreKeptSmallerThanWholeAnswers() {
        QVERIFY(LlmReplyFormat::of(500, "application/json").maxBytes <
                LlmReplyFormat::of(200, "application/json").maxBytes);
    }
};

QTEST_GUILESS_MAIN(TestLlmReplyFormat)
#include "tst_llmreplyformat.moc"
