// HttpRequestHead: the verdict on the first bytes of an HTTP connection. Input: those bytes.
// Properties: a refusal has a status of its kind, a code and a message; a complete head ends at
// a line end within the limit and is complete at exactly that length; nothing incomplete is over
// the limit; a refusal is never taken back by more bytes.
#include "FuzzSupport.h"
#include "server/HttpRequestHead.h"

using namespace Qt::StringLiterals;

namespace {

constexpr qsizetype kLimit = 512; // small, so that the fuzzer reaches it

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArray bytes = fuzzBytes(data, size);
    const HttpRequestHead head = HttpRequestHead::check(bytes, kLimit);
    using Verdict = HttpRequestHead::Verdict;
    switch (head.verdict) {
    case Verdict::Refused:
        FUZZ_CHECK(head.status == 400 || head.status == 431 || head.status == 501 ||
                       head.status == 505,
                   u"status %1"_s.arg(head.status));
        FUZZ_CHECK(!head.code.isEmpty() && !head.message.isEmpty(), head.message);
        break;
    case Verdict::Complete: {
        FUZZ_CHECK(head.headBytes > 0 && head.headBytes <= bytes.size() &&
                       head.headBytes <= kLimit && bytes.at(head.headBytes - 1) == '\n',
                   u"head of %1 bytes"_s.arg(head.headBytes));
        const HttpRequestHead exact = HttpRequestHead::check(bytes.first(head.headBytes), kLimit);
        FUZZ_CHECK(exact.verdict == Verdict::Complete && exact.headBytes == head.headBytes,
                   u"the head alone is complete"_s);
        const HttpRequestHead shorter =
            HttpRequestHead::check(bytes.first(head.headBytes - 1), kLimit);
        FUZZ_CHECK(shorter.verdict == Verdict::Incomplete, shorter.message);
        break;
    }
    case Verdict::Incomplete:
        FUZZ_CHECK(bytes.size() <= kLimit, u"incomplete at %1 bytes"_s.arg(bytes.size()));
        FUZZ_CHECK(head.code.isEmpty() && head.status == 0, head.message);
        break;
    }
    const HttpRequestHead prefix = HttpRequestHead::check(bytes.first(bytes.size() / 2), kLimit);
    if (prefix.verdict == Verdict::Refused)
        FUZZ_CHECK(head.verdict == Verdict::Refused,
                   u"refused at %1 bytes (%2), not at %3"_s.arg(bytes.size() / 2)
                       .arg(prefix.message)
                       .arg(bytes.size()));
    return 0;
}
