// OpenAiStreamDecoder: Chat Completions bodies, streamed and whole, into the pieces of a reply.

#include "llm/OpenAiStreamDecoder.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {

OpenAiStreamDecoder decoder() {
    return OpenAiStreamDecoder(
        {u"h:1"_s, u"h"_s, u"http://h:1/v1/chat/completions"_s, u"m"_s, false},
        u"requested-model"_s);
}

QByteArray sse(const QByteArray &json) {
    return "data: " + json + "\n\n";
}

} // namespace

class TstOpenAiStreamDecoder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void contentAcrossReads() {
        OpenAiStreamDecoder d = decoder();
        const QByteArray body =
            sse(R"({"model":"served","choices":[{"delta":{"role":"assistant","content":""}}]})") +
            sse(R"({"choices":[{"delta":{"content":"Hel"}}]})") +
            sse(R"({"choices":[{"delta":{"content":"lo"},"finish_reason":"stop"}]})") +
            sse(R"({"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2}})") +
            "data: [DONE]\n\n";
        const OpenAiStreamDecoder::Progress first = d.feed(body.left(100));
        QVERIFY(first.sawActivity);
        QVERIFY(!first.done);
        const OpenAiStreamDecoder::Progress rest = d.feed(body.mid(100));
        QCOMPARE(first.content + rest.content, (QStringList{u"Hel"_s, u"lo"_s}));
        QVERIFY(first.sawDelta || rest.sawDelta);
        QVERIFY(rest.done);
        QVERIFY(!rest.failure);
        const LlmResult result = d.result();
        QCOMPARE(result.model, u"served"_s);
        QCOMPARE(result.finishReason, u"stop"_s);
        QCOMPARE(result.usage, (LlmUsage{7, 2}));
        QVERIFY(result.content.isEmpty()); // the caller keeps what it passed on
    }

    void toolCalls() {
        OpenAiStreamDecoder d = decoder();
        const OpenAiStreamDecoder::Progress progress =
            d.feed(sse("{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\","
                       "\"function\":{\"name\":\"calculator\",\"arguments\":\"{\\\"expr\"}}]}}]}") +
                   sse("{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{"
                       "\"arguments\":\"ession\\\":\\\"1+1\\\"}\"}}]},\"finish_reason\":\"tool_"
                       "calls\"}]}"));
        QVERIFY(progress.sawDelta);
        QVERIFY(progress.content.isEmpty());
        const LlmResult result = d.result();
        QCOMPARE(result.toolCalls.size(), 1);
        QCOMPARE(result.toolCalls.first().name, u"calculator"_s);
        QCOMPARE(result.toolCalls.first().arguments, u"{\"expression\":\"1+1\"}"_s);
    }

    void reasoningIsProgressButNotADelta() {
        OpenAiStreamDecoder d = decoder();
        const OpenAiStreamDecoder::Progress progress =
            d.feed(sse(R"({"choices":[{"delta":{"reasoning_content":"Let me think"}}]})"));
        QVERIFY(progress.sawProgress);
        QVERIFY(!progress.sawDelta);
    }

    void theEndStopsTheBatch() {
        OpenAiStreamDecoder d = decoder();
        const OpenAiStreamDecoder::Progress progress =
            d.feed("data: [DONE]\n\n" + sse(R"({"choices":[{"delta":{"content":"late"}}]})"));
        QVERIFY(progress.done);
        QVERIFY(progress.content.isEmpty());
    }

    void errorsInTheStream() {
        OpenAiStreamDecoder d = decoder();
        const OpenAiStreamDecoder::Progress error =
            d.feed(sse(R"({"choices":[{"delta":{"content":"Par"}}]})") +
                   sse(R"({"error":{"message":"overloaded","code":"server_error"}})"));
        QCOMPARE(error.content, QStringList{u"Par"_s}); // what came before the error
        QVERIFY(error.failure);
        QCOMPARE(error.failure->error.kind, LlmError::Kind::Unavailable);

        d.reset();
        const OpenAiStreamDecoder::Progress malformed = d.feed("data: {not json\n\n");
        QVERIFY(malformed.failure);
        QVERIFY(malformed.failure->error.message.contains(u"malformed event"_s));

        d.reset();
        const OpenAiStreamDecoder::Progress ping = d.feed("event: ping\ndata: keep-alive\n\n");
        QVERIFY(!ping.failure); // a named event that is not JSON is not ours
        QVERIFY(!ping.sawActivity);
    }

    void lastEventWithoutBlankLine() {
        OpenAiStreamDecoder d = decoder();
        QVERIFY(d.feed("data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":"
                       "\"stop\"}]}\n")
                    .content.isEmpty());
        const OpenAiStreamDecoder::Progress end = d.finish();
        QCOMPARE(end.content, QStringList{u"x"_s});
        QVERIFY(d.hasFinishReason());
    }

    void wholeAnswers() {
        OpenAiStreamDecoder d = decoder();
        const OpenAiStreamDecoder::Progress whole = d.decodeWhole(
            R"({"model":"plain","choices":[{"message":{"role":"assistant","content":"All at once."},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4}})");
        QVERIFY(whole.done);
        QCOMPARE(whole.content, QStringList{u"All at once."_s});
        QCOMPARE(d.result().model, u"plain"_s);
        const OpenAiStreamDecoder::Progress notOne = d.decodeWhole(R"({"object":"list"})");
        QVERIFY(notOne.failure);
        QVERIFY(notOne.failure->error.message.contains(u"not a chat completion"_s));
    }
};

QTEST_GUILESS_MAIN(TstOpenAiStreamDecoder)
#include "tst_openaistreamdecoder.moc"
