#include "llm/SseParser.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// A recorded OpenAI-style stream: role chunk, multi-byte text, a keep-alive comment, a named
// event with an id, a multi-line data event, usage and [DONE].
QByteArray recordedStream(const QByteArray &lineEnd) {
    QByteArray lines[] = {
        ": keep-alive",
        "",
        R"(data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})",
        "",
        R"(data: {"choices":[{"index":0,"delta":{"content":"Grüße, 世界 🌍"}}]})",
        "",
        ":",
        "event: note",
        "id: 7",
        "data:first line",
        "data:  second line",
        "data",
        "",
        R"(data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}})",
        "",
        "data: [DONE]",
        "",
    };
    QByteArray stream;
    for (const QByteArray &line : lines)
        stream += line + lineEnd;
    return stream;
}

QList<SseEvent> expectedEvents() {
    return {
        {{}, uR"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})"_s, {}},
        {{}, uR"({"choices":[{"index":0,"delta":{"content":"Grüße, 世界 🌍"}}]})"_s, {}},
        {u"note"_s, u"first line\n second line\n"_s, u"7"_s},
        {{}, uR"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}})"_s, u"7"_s},
        {{}, u"[DONE]"_s, u"7"_s},
    };
}

QList<SseEvent> feedAll(SseParser &parser, const QList<QByteArray> &pieces) {
    QList<SseEvent> events;
    for (const QByteArray &piece : pieces)
        events += parser.feed(piece);
    events += parser.finish();
    return events;
}

} // namespace

class TestSseParser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void wholeStream_data() {
        QTest::addColumn<QByteArray>("lineEnd");
        QTest::newRow("LF") << QByteArray("\n");
        QTest::newRow("CRLF") << QByteArray("\r\n");
        QTest::newRow("CR") << QByteArray("\r");
    }
    void wholeStream() {
        QFETCH(QByteArray, lineEnd);
        SseParser parser;
        QCOMPARE(feedAll(parser, {recordedStream(lineEnd)}), expectedEvents());
    }

    // The recorded stream split in two at every byte position gives the same events; so does
    // feeding it one byte at a time, and in three pieces around every CR LF pair.
    void everySplitPosition_data() { wholeStream_data(); }
    void everySplitPosition() {
        QFETCH(QByteArray, lineEnd);
        const QByteArray stream = recordedStream(lineEnd);
        const QList<SseEvent> expected = expectedEvents();
        for (qsizetype at = 0; at <= stream.size(); ++at) {
            SseParser parser;
            const QList<SseEvent> events = feedAll(parser, {stream.left(at), stream.mid(at)});
            if (events != expected)
                QFAIL(qPrintable(u"split at byte %1 changed the events"_s.arg(at)));
        }
        QList<QByteArray> bytes;
        for (char byte : stream)
            bytes.append(QByteArray(1, byte));
        SseParser parser;
        QCOMPARE(feedAll(parser, bytes), expected);
    }

    void everyPairOfSplits() {
        const QByteArray stream = recordedStream("\r\n");
        const QList<SseEvent> expected = expectedEvents();
        for (qsizetype a = 0; a <= stream.size(); a += 3) {
            for (qsizetype b = a; b <= stream.size(); b += 5) {
                SseParser parser;
                const QList<SseEvent> events =
                    feedAll(parser, {stream.left(a), stream.mid(a, b - a), stream.mid(b)});
                if (events != expected)
                    QFAIL(qPrintable(u"splits at %1 and %2"_s.arg(a).arg(b)));
            }
        }
    }

    void mixedLineEnds() {
        SseParser parser;
        const QList<SseEvent> events =
            feedAll(parser, {"data: a\r\n\ndata: b\r\rdata: c\n\r\ndata: d\r\n\r\n"});
        QCOMPARE(events.size(), 4);
        QCOMPARE(events.at(0).data, u"a"_s);
        QCOMPARE(events.at(1).data, u"b"_s);
        QCOMPARE(events.at(2).data, u"c"_s);
        QCOMPARE(events.at(3).data, u"d"_s);
    }

    // A CR at the end of one chunk and LF at the start of the next are one line end, not two:
    // "data: a\r" + "\ndata: b\n\n" is one event with data "a\nb".
    void crAndLfInDifferentChunks() {
        SseParser parser;
        QList<SseEvent> events = parser.feed("data: a\r");
        QVERIFY(events.isEmpty());
        events = parser.feed("\ndata: b\n\n");
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().data, u"a\nb"_s);
    }

    void eventsAreReturnedAsSoonAsComplete() {
        SseParser parser;
        QVERIFY(parser.feed("data: one\n").isEmpty());
        QVERIFY(parser.hasPendingData());
        const QList<SseEvent> events = parser.feed("\ndata: tw");
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().data, u"one"_s);
    }

    void commentsAndKeepAlivesAreIgnored() {
        SseParser parser;
        QCOMPARE(feedAll(parser, {": ping\n\n:\n\n: keep-alive\r\n\r\n"}).size(), 0);
    }

    void fieldSyntax() {
        SseParser parser;
        const QList<SseEvent> events = feedAll(
            parser, {"data:nospace\n\ndata:  two\n\ndata\n\ndata:\n\nevent: only\n\nretry: 5\n"
                     "unknown: x\ndata: kept\n\n"});
        QCOMPARE(events.size(), 5);
        QCOMPARE(events.at(0).data, u"nospace"_s);
        QCOMPARE(events.at(1).data, u" two"_s);
        QCOMPARE(events.at(2).data, QString());
        QCOMPARE(events.at(3).data, QString());
        // "event: only" had no data: no event; the event type does not leak into the next one.
        QCOMPARE(events.at(4).event, QString());
        QCOMPARE(events.at(4).data, u"kept"_s);
    }

    void byteOrderMark() {
        SseParser parser;
        QList<SseEvent> events = parser.feed("\xEF");
        events += parser.feed("\xBB");
        events += parser.feed("\xBF"
                              "data: x\n\n");
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().data, u"x"_s);
    }

    void finishDispatchesCompleteLinesOnly() {
        SseParser parser;
        parser.feed("data: whole\n");
        QList<SseEvent> events = parser.finish();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().data, u"whole"_s);

        parser.feed("data: {\"trunc");
        QVERIFY(parser.finish().isEmpty());
    }

    void overlongLineIsAnError() {
        SseParser parser(16);
        QVERIFY(parser.feed("data: 0123456789").isEmpty());
        QVERIFY(!parser.hasError());
        QVERIFY(parser.feed("abcdef\n\n").isEmpty());
        QVERIFY(parser.hasError());
        QVERIFY(parser.feed("data: later\n\n").isEmpty());
        parser.reset();
        QCOMPARE(parser.feed("data: ok\n\n").size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestSseParser)
#include "tst_sseparser.moc"
