#include "llm/ToolCallAssembler.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;

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
            QJsonObject function{{u"arguments"_s, QString::fromUtf8(piece)}};
            assembler.add(QJsonArray{QJsonObject{{u"index"_s, 0}, {u"function"_s, function}}});
        }
        const QList<ToolCall> calls = assembler.calls();
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls.first().id, u"call_1"_s);
        QCOMPARE(calls.first().name, u"calculate_shipping"_s);
        QCOMPARE(calls.first().arguments, u"{\"weight_kg\": 5, \"destination\": \"US\"}"_s);
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
        QCOMPARE(calls.at(0),
                 (ToolCall{u"a"_s, u"get_current_time"_s, u"{\"timezone\":\"UTC\"}"_s}));
        QCOMPARE(calls.at(1), (ToolCall{u"b"_s, u"calculator"_s, u"{\"expression\":\"1+1\"}"_s}));
    }

    void repeatedIdAndNameAreNotDuplicated() {
        ToolCallAssembler assembler;
        assembler.add(deltas("[{\"index\":0,\"id\":\"x\",\"function\":{\"name\":\"calculator\","
                             "\"arguments\":\"{\"}}]"));
        assembler.add(deltas("[{\"index\":0,\"id\":\"x\",\"function\":{\"name\":\"calculator\","
                             "\"arguments\":\"}\"}}]"));
        QCOMPARE(assembler.calls().first(), (ToolCall{u"x"_s, u"calculator"_s, u"{}"_s}));
    }

    void wholeCallsWithoutIndex() {
        ToolCallAssembler assembler;
        assembler.add(
            deltas("[{\"id\":\"a\",\"function\":{\"name\":\"one\",\"arguments\":{\"k\":1}}}, "
                   "{\"id\":\"b\",\"function\":{\"name\":\"two\",\"arguments\":\"{}\"}}]"));
        const QList<ToolCall> calls = assembler.calls();
        QCOMPARE(calls.size(), 2);
        QCOMPARE(calls.at(0).name, u"one"_s);
        QCOMPARE(calls.at(0).arguments, u"{\"k\":1}"_s);
        QCOMPARE(calls.at(1).id, u"b"_s);
    }

    void missingIdAndArgumentsAreFilledIn() {
        ToolCallAssembler assembler;
        assembler.add(deltas("[{\"index\":0,\"function\":{\"name\":\"get_current_time\"}}]"));
        const QList<ToolCall> first = assembler.calls();
        QCOMPARE(first.size(), 1);
        QVERIFY(first.first().id.startsWith(u"call_"_s));
        QCOMPARE(first.first().arguments, u"{}"_s);
        QCOMPARE(assembler.calls().first().id, first.first().id); // stable
    }

    void invalidArgumentsAreKeptAsText() {
        ToolCallAssembler assembler;
        assembler.add(deltas("[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\","
                             "\"arguments\":\"{not json\"}}]"));
        QCOMPARE(assembler.calls().first().arguments, u"{not json"_s);
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
