// ClientFrame: what a WebSocket text frame of a client asks for. Input: the frame's text (UTF-8,
// as Qt delivers text frames). Properties: every frame is exactly one of the kinds; a message is
// never blank; the limit counts UTF-8 bytes; a message re-sent as {"type":"message","text":…}
// is the same message.
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
    FUZZ_CHECK((frame.kind() == ClientFrame::Kind::Message) == !frame.text().isEmpty(),
               u"only a message has text: "_s + kind);
    if (frame.kind() != ClientFrame::Kind::Message)
        return 0;
    FUZZ_CHECK(!frame.text().trimmed().isEmpty(), u"a message is never blank"_s);

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
