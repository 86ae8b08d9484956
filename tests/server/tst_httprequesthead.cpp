// HttpRequestHead: the verdict on the bytes of a request head as they arrive.

#include "server/HttpRequestHead.h"
#include "server/Protocol.h"

#include <QTest>

using namespace Qt::StringLiterals;

using Verdict = HttpRequestHead::Verdict;

namespace {

const QByteArray kUpgrade = QByteArrayLiteral(
    "GET /ws/session/x?user_id=a HTTP/1.1\r\nHost: localhost:8000\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n");

// The first bytes of a TLS 1.2 ClientHello record.
const QByteArray kClientHello = QByteArray::fromHex("16030100a5010000a10303");

} // namespace

class TstHttpRequestHead : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void wellFormedHeadsAreCompleteAtTheirBlankLine_data() {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<bool>("hasBody");
        QTest::newRow("upgrade") << kUpgrade << false;
        QTest::newRow("http/1.0") << QByteArray("GET / HTTP/1.0\r\n\r\n") << false;
        QTest::newRow("bare LF") << QByteArray("GET /healthz HTTP/1.1\nHost: a\n\n") << false;
        QTest::newRow("leading empty line")
            << QByteArray("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n") << false;
        QTest::newRow("body") << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\n")
                              << true;
        QTest::newRow("chunked") << QByteArray(
                                        "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
                                 << true;
        QTest::newRow("empty body")
            << QByteArray("DELETE /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n") << false;
        QTest::newRow("utf-8 in target and value")
            << QByteArray("GET /caf\xc3\xa9 HTTP/1.1\r\nX-Name: J\xc3\xb6rg\t!\r\n\r\n") << false;
        QTest::newRow("empty value") << QByteArray("GET / HTTP/1.1\r\nX-Empty:\r\n\r\n") << false;
        QTest::newRow("options *") << QByteArray("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n") << false;
        QTest::newRow("at the limit")
            << QByteArray("GET /" + QByteArray(8192 - 18, 'a') + " HTTP/1.1\r\n\r\n") << false;
    }
    void wellFormedHeadsAreCompleteAtTheirBlankLine() {
        QFETCH(QByteArray, head);
        QFETCH(bool, hasBody);
        QVERIFY(head.size() <= HttpRequestHead::kMaxBytes);
        const HttpRequestHead whole =
            HttpRequestHead::check(QByteArray(head + "trailing body bytes"));
        QCOMPARE(whole.verdict, Verdict::Complete);
        QCOMPARE(whole.headBytes, head.size());
        QCOMPARE(whole.hasBody, hasBody);
        // Every shorter prefix is incomplete and nothing is wrong with it yet.
        for (qsizetype size = 0; size < head.size(); ++size) {
            const HttpRequestHead prefix = HttpRequestHead::check(head.first(size));
            QVERIFY2(prefix.verdict == Verdict::Incomplete,
                     qPrintable(u"prefix of %1 bytes: %2"_s.arg(size).arg(prefix.message)));
        }
    }

    void badHeadsAreRefusedWithTheirStatus_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        const QString bad = Protocol::Error::BadRequest;
        QTest::newRow("garbage") << QByteArray("GARBAGE\r\n\r\n") << 400 << bad;
        QTest::newRow("tls client hello") << kClientHello << 400 << bad;
        QTest::newRow("binary") << QByteArray("\x00\x01\x02", 3) << 400 << bad;
        QTest::newRow("two spaces") << QByteArray("GET  / HTTP/1.1\r\n\r\n") << 400 << bad;
        QTest::newRow("no version") << QByteArray("GET /\r\n\r\n") << 400 << bad;
        QTest::newRow("bad version") << QByteArray("GET / HTTP/1\r\n\r\n") << 400 << bad;
        QTest::newRow("lower-case version") << QByteArray("GET / http/1.1\r\n\r\n") << 400 << bad;
        QTest::newRow("control in target")
            << QByteArray("GET /\x01 HTTP/1.1\r\n\r\n") << 400 << bad;
        QTest::newRow("space before colon")
            << QByteArray("GET / HTTP/1.1\r\nHost : a\r\n\r\n") << 400 << bad;
        QTest::newRow("no colon") << QByteArray("GET / HTTP/1.1\r\nHost\r\n\r\n") << 400 << bad;
        QTest::newRow("obs-fold") << QByteArray("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n") << 400
                                  << bad;
        QTest::newRow("bare CR") << QByteArray("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n") << 400 << bad;
        QTest::newRow("NUL in value")
            << QByteArray("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 27) << 400 << bad;
        QTest::newRow("bad content-length")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 5x\r\n\r\n") << 400 << bad;
        QTest::newRow("conflicting content-length")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")
            << 400 << bad;
        QTest::newRow("content-length and chunked")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: "
                          "chunked\r\n\r\n")
            << 400 << bad;
        QTest::newRow("http/9.9") << QByteArray("GET / HTTP/9.9\r\n\r\n") << 505
                                  << Protocol::Error::HttpVersionNotSupported;
        QTest::newRow("http/2.0") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 505
                                  << Protocol::Error::HttpVersionNotSupported;
        QTest::newRow("unknown method")
            << QByteArray("BREW /pot HTTP/1.1\r\n\r\n") << 501 << Protocol::Error::NotImplemented;
        QTest::newRow("lower-case method")
            << QByteArray("get / HTTP/1.1\r\n\r\n") << 501 << Protocol::Error::NotImplemented;
        QTest::newRow("long request line")
            << QByteArray("GET /" + QByteArray(9000, 'a') + " HTTP/1.1\r\n\r\n") << 431
            << Protocol::Error::HeadersTooLarge;
        QTest::newRow("long request line, unfinished")
            << QByteArray("GET /" + QByteArray(9000, 'a')) << 431
            << Protocol::Error::HeadersTooLarge;
        QTest::newRow("long header")
            << QByteArray("GET / HTTP/1.1\r\nX: " + QByteArray(9000, 'a') + "\r\n\r\n") << 431
            << Protocol::Error::HeadersTooLarge;
        QTest::newRow("many headers")
            << QByteArray("GET / HTTP/1.1\r\n" + QByteArray("X-A: b\r\n").repeated(1200) + "\r\n")
            << 431 << Protocol::Error::HeadersTooLarge;
        QTest::newRow("one byte over")
            << QByteArray("GET /" + QByteArray(8192 - 17, 'a') + " HTTP/1.1\r\n\r\n") << 431
            << Protocol::Error::HeadersTooLarge;
    }
    void badHeadsAreRefusedWithTheirStatus() {
        QFETCH(QByteArray, bytes);
        QFETCH(int, status);
        QFETCH(QString, code);
        const HttpRequestHead head = HttpRequestHead::check(bytes);
        QCOMPARE(head.verdict, Verdict::Refused);
        QCOMPARE(head.status, status);
        QCOMPARE(head.code, code);
        QVERIFY(!head.message.isEmpty());
    }

    void garbageIsRefusedBeforeItsLineEnds() {
        // A TLS ClientHello never sends a line end: it must not wait for the request deadline.
        QCOMPARE(HttpRequestHead::check(kClientHello.first(1)).verdict, Verdict::Refused);
        QVERIFY(HttpRequestHead::check(kClientHello).message.contains(u"TLS"));
        QCOMPARE(HttpRequestHead::check("GE\x80T").verdict, Verdict::Refused);
        QCOMPARE(HttpRequestHead::check("GET /partial").verdict, Verdict::Incomplete);
    }

    void theLimitIsAParameter() {
        const QByteArray head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        QCOMPARE(HttpRequestHead::check(head, head.size()).verdict, Verdict::Complete);
        const HttpRequestHead over = HttpRequestHead::check(head, head.size() - 1);
        QCOMPARE(over.status, 431);
        QVERIFY(over.message.contains(QString::number(head.size() - 1)));
    }
};

QTEST_GUILESS_MAIN(TstHttpRequestHead)
#include "tst_httprequesthead.moc"
