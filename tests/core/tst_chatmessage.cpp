#include "core/ChatMessage.h"

#include <QJsonArray>
#include <QTest>

using namespace Qt::StringLiterals;

class TestChatMessage : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void serializesEachRoleForTheApi() {
        QCOMPARE(ChatMessage::user(u"hi"_s).toOpenAiJson(),
                 (QJsonObject{{u"role"_s, u"user"_s}, {u"content"_s, u"hi"_s}}));
        QCOMPARE(ChatMessage::system(u"be kind"_s).toOpenAiJson().value(u"role"_s), u"system"_s);
        const QJsonObject tool =
            ChatMessage::toolResult(u"call_1"_s, u"calculator"_s, u"{\"value\":12}"_s)
                .toOpenAiJson();
        QCOMPARE(tool.value(u"role"_s), u"tool"_s);
        QCOMPARE(tool.value(u"tool_call_id"_s), u"call_1"_s);
        QCOMPARE(tool.value(u"content"_s), u"{\"value\":12}"_s);
    }

    void assistantToolCallsHaveNullContent() {
        const QJsonObject json =
            ChatMessage::assistant({},
                                   {{u"call_1"_s, u"calculator"_s, u"{\"expression\":\"1+1\"}"_s}})
                .toOpenAiJson();
        QVERIFY(json.value(u"content"_s).isNull());
        const QJsonObject call = json.value(u"tool_calls"_s).toArray().at(0).toObject();
        QCOMPARE(call.value(u"id"_s), u"call_1"_s);
        QCOMPARE(call.value(u"type"_s), u"function"_s);
        QCOMPARE(call.value(u"function"_s).toObject().value(u"name"_s), u"calculator"_s);
        QCOMPARE(call.value(u"function"_s).toObject().value(u"arguments"_s),
                 u"{\"expression\":\"1+1\"}"_s);
    }
};

QTEST_GUILESS_MAIN(TestChatMessage)
#include "tst_chatmessage.moc"
