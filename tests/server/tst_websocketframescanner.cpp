// WebSocketFrameScanner: finds the first unmasked client frame in a byte stream, however the
// stream is cut into pieces.

#include "server/WebSocketFrameScanner.h"

#include <QTest>

namespace {

QByteArray frame(int opcode, qsizetype length, bool masked, bool final = true) {
    QByteArray header;
    header.append(char((final ? 0x80 : 0) | opcode));
    const char maskBit = masked ? char(0x80) : char(0);
    if (length < 126) {
        header.append(char(maskBit | char(length)));
    } else if (length < 65536) {
        header.append(char(maskBit | 126));
        header.append(char(length >> 8));
        header.append(char(length & 0xff));
    } else {
        header.append(char(maskBit | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            header.append(char((quint64(length) >> shift) & 0xff));
    }
    if (masked)
        header.append("\x01\x02\x03\x04", 4);
    // Payload bytes that look like unmasked headers, to show they are skipped, not read.
    return header + QByteArray(length, '\x01');
}

QString scanInPieces(const QByteArray &stream, qsizetype piece) {
    WebSocketFrameScanner scanner;
    QString error;
    for (qsizetype at = 0; at < stream.size() && error.isEmpty(); at += piece)
        error =
            scanner.feed(QByteArrayView(stream).sliced(at, std::min(piece, stream.size() - at)));
    return error;
}

} // namespace

class TstWebSocketFrameScanner : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void maskedFramesOfEveryLengthPass_data() {
        QTest::addColumn<qsizetype>("piece");
        for (const qsizetype piece : {1, 2, 3, 7, 100, 1 << 20})
            QTest::newRow(qPrintable(QString::number(piece))) << piece;
    }
    void maskedFramesOfEveryLengthPass() {
        QFETCH(qsizetype, piece);
        const QByteArray stream = frame(1, 0, true) + frame(9, 5, true) + frame(1, 125, true) +
                                  frame(2, 126, true) + frame(1, 65535, true, false) +
                                  frame(0, 65536, true) + frame(8, 2, true);
        QVERIFY(scanInPieces(stream, piece).isEmpty());
    }

    void theFirstUnmaskedFrameIsFound_data() {
        QTest::addColumn<qsizetype>("piece");
        for (const qsizetype piece : {1, 2, 5, 64, 1 << 20})
            QTest::newRow(qPrintable(QString::number(piece))) << piece;
    }
    void theFirstUnmaskedFrameIsFound() {
        QFETCH(qsizetype, piece);
        QVERIFY(!scanInPieces(frame(1, 5, false), piece).isEmpty());
        QVERIFY(!scanInPieces(frame(1, 300, true) + frame(9, 0, false), piece).isEmpty());
        QVERIFY(!scanInPieces(frame(2, 70000, true) + frame(0, 3, false, false), piece).isEmpty());
    }

    void theVerdictIsFoundAtTheHeaderAndStays() {
        WebSocketFrameScanner scanner;
        QVERIFY(scanner.feed(QByteArrayView("\x81", 1)).isEmpty());
        const QString error = scanner.feed(QByteArrayView("\x05", 1)); // no payload yet
        QVERIFY(error.contains(QStringLiteral("not masked")));
        QCOMPARE(scanner.feed(frame(1, 1, true)), error);
        QCOMPARE(scanner.error(), error);
    }

    void aLengthWithItsTopBitSetIsAnError() {
        WebSocketFrameScanner scanner;
        QVERIFY(!scanner.feed(QByteArray::fromHex("82ff8000000000000000")).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TstWebSocketFrameScanner)
#include "tst_websocketframescanner.moc"
