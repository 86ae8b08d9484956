#include "llm/ToolCallAssembler.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace {

QJsonArray deltas(const char *json) {
    return QJsonDocument::fromJson(json).array();
}

} // namespace

class TestToolCallAssembler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void oneCallWithArgumentsInManyChunks() {
        ToolCallAssembler assembler;
        QVERIFY(assembler.isEmpty());
        assembler.add(
            deltas("[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\", "
                   "\"function\":{\"name\":\"calculate_shipping\",\"arguments\":\"\"}}]"));
        for (const char *piece : {"{\"weig", "ht_kg\": 5, \"dest", "ination\": \"US\"}"}) {
            QJsonObject function{{QStringLiteral("arguments"), QString::fromUtf8(piece)}};
            assembler.add(QJsonArray{
                QJsonObject{{QStringLiteral("index"), 0}, {QStringLiteral("function"), function}}});
        }
        const QList<ToolCall> calls = assembler.calls();
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls.first().id, QStringLiteral("call_1"));
        QCOMPARE(calls.first().name, QStringLiteral("calculate_shipping"));
        QCOMPARE(calls.first().arguments,
                 QStringLiteral("{\"weight_kg\": 5, \"destination\": \"US\"}"));
    }

    void parallelCallsInterleaved() {
        ToolCallAssembler assembler;
        assembler.add(deltas("[{\"index\":1,\"id\":\"b\",\"function\":{\"name\":\"calculator\","
                             "\"arguments\":\"\"}}]"));
        assembler.add(deltas("[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"get_current_"
                             "time\",\"arguments\":\"{\\\"time\"}}]"));
        assembler.add(
            deltas("[{\"index\":1,\"function\":{\"arguments\":\"{\\\"expression\\\":\"}}]"));
        assembler.add(deltas("[{\"index\":0,\"function\":{\"arguments\":\"zone\\\":\\\"UTC\\\"}\"}}"
                             ", {\"index\":1,\"function\":{\"arguments\":\"\\\"1+1\\\"}\"}}]"));
        const QList<ToolCall> calls = assembler.calls();
        QCOMPARE(calls.size(), 2);
        QCOMPARE(calls.at(0), (ToolCall{QStringLiteral("a"), QStringLiteral("get_current_time"),
                                        QStringLiteral("{\"timezone\":\"UTC\"}")}));
        QCOMPARE(calls.at(1), (ToolCall{QStringLiteral("b"), QStringLiteral("calculator"),
                                        QStringLiteral("{\"expression\":\"1+1\"}")}));
    }

    void repeatedIdAndNameAreNotDuplicated() {
        ToolCallAssembler assembler;
        assembler.add(deltas("[{\"index\":0,\"id\":\"x\",\"function\":{\"name\":\"calculator\","
                             "\"arguments\":\"{\"}}]"));
        assembler.add(deltas("[{\"index\":0,\"id\":\"x\",\"function\":{\"name\":\"calculator\","
                             "\"arguments\":\"}\"}}]"));
        QCOMPARE(
            assembler.calls().first(),
            (ToolCall{QStringLiteral("x"), QStringLiteral("calculator"), QStringLiteral("{}")}));
    }

    void wholeCallsWithoutIndex() {
        ToolCallAssembler assembler;
        assembler.add(
            deltas("[{\"id\":\"a\",\"function\":{\"name\":\"one\",\"arguments\":{\"k\":1}}}, "
                   "{\"id\":\"b\",\"function\":{\"name\":\"two\",\"arguments\":\"{}\"}}]"));
        const QList<ToolCall> calls = assembler.calls();
        QCOMPARE(calls.size(), 2);
        QCOMPARE(calls.at(0).name, QStringLiteral("one"));
        QCOMPARE(calls.at(0).arguments, QStringLiteral("{\"k\":1}"));
        QCOMPARE(calls.at(1).id, QStringLiteral("b"));
    }

    void missingIdAndArgumentsAreFilledIn() {
        ToolCallAssembler assembler;
        assembler.add(deltas("[{\"index\":0,\"function\":{\"name\":\"get_current_time\"}}]"));
        const QList<ToolCall> first = assembler.calls();
        QCOMPARE(first.size(), 1);
        QVERIFY(first.first().id.startsWith(QStringLiteral("call_")));
        QCOMPARE(first.first().arguments, QStringLiteral("{}"));
        QCOMPARE(assembler.calls().first().id, first.first().id); // stable
    }

    void invalidArgumentsAreKeptAsText() {
        ToolCallAssembler assembler;
        assembler.add(deltas("[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\","
                             "\"arguments\":\"{not json\"}}]"));
        QCOMPARE(assembler.calls().first().arguments, QStringLiteral("{not json"));
    }

    void clear() {
        ToolCallAssembler assembler;
        assembler.add(deltas("[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\"}}]"));
        assembler.clear();
        QVERIFY(assembler.isEmpty());
        QVERIFY(assembler.calls().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestToolCallAssembler)
#include "tst_toolcallassembler.moc"
