// ClientFrame: what a WebSocket text frame of a client asks for. Input: the frame's text (UTF-8,
// as Qt delivers text frames). Properties: every frame is exactly one of the kinds; a message or
// an edit is never blank, and nothing else has text; the limit counts UTF-8 bytes; a message
// re-sent as {"type":"message","text":…} is the same message.
#include "FuzzSupport.h"
#include "server/ClientFrame.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace {

constexpr int kLimit = 1024;

QString kindName(ClientFrame::Kind kind) {
    switch (kind) {
    case ClientFrame::Kind::Message:
        return u"message"_s;
    case ClientFrame::Kind::Ping:
        return u"ping"_s;
    case ClientFrame::Kind::Cancel:
        return u"cancel"_s;
    case ClientFrame::Kind::Regenerate:
        return u"regenerate"_s;
    case ClientFrame::Kind::Edit:
        return u"edit"_s;
    case ClientFrame::Kind::TooLarge:
        return u"too_large"_s;
    case ClientFrame::Kind::BadRequest:
        return u"bad_request"_s;
    }
    return u"?"_s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QString text = QString::fromUtf8(fuzzBytes(data, size));
    const qsizetype bytes = text.toUtf8().size();
    const ClientFrame frame = ClientFrame::parse(text, kLimit);
    const QString kind = kindName(frame.kind());

    FUZZ_CHECK((frame.kind() == ClientFrame::Kind::TooLarge) == (bytes > kLimit),
               u"too_large exactly above the limit: %1 bytes, %2"_s.arg(bytes).arg(kind));
    const bool isError = frame.kind() == ClientFrame::Kind::TooLarge ||
                         frame.kind() == ClientFrame::Kind::BadRequest;
    FUZZ_CHECK(isError == !frame.error().isEmpty(), u"an error has a message: "_s + kind);
    const bool hasText =
        frame.kind() == ClientFrame::Kind::Message || frame.kind() == ClientFrame::Kind::Edit;
    FUZZ_CHECK(hasText == !frame.text().isEmpty(),
               u"only a message or an edit has text: "_s + kind);
    if (!hasText)
        return 0;
    FUZZ_CHECK(!frame.text().trimmed().isEmpty(),
               u"a message or an edit is never blank: "_s + kind);
    if (frame.kind() != ClientFrame::Kind::Message)
        return 0;

    // Sent as a message command, the same text is the same message (when it still fits).
    const QString wrapped = QString::fromUtf8(
        QJsonDocument(QJsonObject{{u"type"_s, u"message"_s}, {u"text"_s, frame.text()}})
            .toJson(QJsonDocument::Compact));
    const ClientFrame again = ClientFrame::parse(wrapped, 8 * kLimit);
    FUZZ_CHECK(again.kind() == ClientFrame::Kind::Message && again.text() == frame.text(),
               u"%1 wrapped as %2 gave %3 %4"_s.arg(frame.text(), wrapped, kindName(again.kind()),
                                                    again.text()));
    return 0;
}
