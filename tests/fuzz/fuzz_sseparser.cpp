// SseParser: the events must not depend on how the bytes are split into chunks.
// Input: one control byte (bit 0: a 24-byte line limit instead of the default 8 MiB; the whole
// byte: the split point), then the event stream.
#include "FuzzSupport.h"
#include "llm/SseParser.h"

using namespace Qt::StringLiterals;

namespace {

struct Outcome {
    QList<SseEvent> events;
    bool error = false;
};

Outcome parse(const QList<QByteArray> &chunks, qsizetype maxLine) {
    SseParser parser(maxLine);
    Outcome outcome;
    for (const QByteArray &chunk : chunks)
        outcome.events += parser.feed(chunk);
    outcome.error = parser.hasError();
    outcome.events += parser.finish();
    FUZZ_CHECK(!parser.hasPendingData() && !parser.hasError(), u"finish() resets"_s);
    return outcome;
}

QString describe(const Outcome &outcome) {
    QString text = u"error=%1"_s.arg(outcome.error);
    for (const SseEvent &event : outcome.events)
        text += u"\n[event=%1 id=%2 data=%3]"_s.arg(event.event, event.id, event.data);
    return text;
}

void checkSame(const Outcome &whole, const Outcome &split, const char *how) {
    FUZZ_CHECK(whole.events == split.events && whole.error == split.error,
               u"one chunk:\n%1\n%2:\n%3"_s.arg(describe(whole), QString::fromLatin1(how),
                                                describe(split)));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    const uint8_t control = data[0];
    const QByteArray body = fuzzBytes(data + 1, size - 1);
    const qsizetype maxLine = (control & 1) ? 24 : 8 * 1024 * 1024;

    const Outcome whole = parse({body}, maxLine);
    for (const SseEvent &event : whole.events)
        FUZZ_CHECK(!event.id.contains(QChar(0)), u"an id never contains NUL"_s);
    if (whole.error)
        FUZZ_CHECK(maxLine < body.size(), u"an error needs a line longer than the limit"_s);

    const qsizetype at = qsizetype(control) * body.size() / 255;
    checkSame(whole, parse({body.left(at), body.mid(at)}, maxLine), "two chunks");

    QList<QByteArray> bytes;
    for (qsizetype i = 0; i < body.size(); ++i)
        bytes.append(body.mid(i, 1));
    checkSame(whole, parse(bytes, maxLine), "byte by byte");
    return 0;
}
