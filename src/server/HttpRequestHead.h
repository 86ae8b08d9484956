#pragma once

#include <QByteArrayView>
#include <QString>

// The head of one HTTP/1.x request (request line, header fields, blank line), checked as its
// bytes arrive and before Qt's parser sees them: Qt 6.4's QAbstractHttpServer drops a malformed
// or oversized request without any answer, and answers any HTTP version. A pure function.
struct HttpRequestHead {
    // Request line, header fields and the blank line together (as nginx and Node default to).
    static constexpr qsizetype kMaxBytes = 8192;

    enum class Verdict {
        Incomplete, // nothing wrong so far; the head has not ended
        Complete,   // a well-formed head of headBytes bytes
        Refused,    // answer `status` with `code` and `message`, then close
    };

    Verdict verdict = Verdict::Incomplete;
    qsizetype headBytes = 0; // Complete: up to and including the blank line
    bool hasBody = false;    // Complete: Content-Length > 0 or Transfer-Encoding
    int status = 0;          // Refused: 400, 431, 501 or 505
    QString code;            // Refused: the error code of the JSON body
    QString message;         // Refused: what was wrong, for the client

    // `received`: the bytes of the connection from the request's first byte on (more than the
    // head is fine: what follows the blank line is not looked at).
    static HttpRequestHead check(QByteArrayView received, qsizetype maxBytes = kMaxBytes);
};
