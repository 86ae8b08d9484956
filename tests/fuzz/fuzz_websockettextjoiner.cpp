// WebSocketTextJoiner: the client bytes Qt's parser gets. Input: a split point (first byte) and
// the bytes a client sends after the upgrade. Properties: what comes out does not depend on how
// the bytes arrive (all at once, or in two parts at the split point); a stream that starts no
// fragmented text message comes out unchanged (but for an unfinished last header).
#include "FuzzSupport.h"
#include "server/WebSocketTextJoiner.h"

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kLimit = 256; // small, so that the fuzzer reaches it

bool startsAFragmentedText(const QByteArray &bytes) {
    // A first frame that is text without FIN: the only way into joining for a fresh joiner that
    // sees no other text frame without FIN.
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        if ((uchar(bytes.at(i)) & 0x8f) == 0x01)
            return true;
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    const QByteArray bytes = fuzzBytes(data + 1, size - 1);
    const qsizetype split = bytes.isEmpty() ? 0 : qsizetype(data[0]) % (bytes.size() + 1);

    WebSocketTextJoiner whole;
    whole.setMaxMessageBytes(kLimit);
    const QByteArray once = whole.feed(bytes);

    WebSocketTextJoiner parts;
    parts.setMaxMessageBytes(kLimit);
    const QByteArray twice = parts.feed(QByteArrayView(bytes).first(split)) +
                             parts.feed(QByteArrayView(bytes).sliced(split));
    FUZZ_CHECK(once == twice, u"split at %1 changed the output"_s.arg(split));
    FUZZ_CHECK(whole.isJoining() == parts.isJoining(), u"joining state differs"_s);
    // (Less a frame header still arriving: it is passed once it is whole.)
    if (!startsAFragmentedText(bytes))
        FUZZ_CHECK(bytes.startsWith(once) && bytes.size() - once.size() < 14,
                   u"a stream without a fragmented text message changed"_s);
    return 0;
}
