#include "fixtures/ClientFrameBytes.h"
#include "server/WebSocketTextJoiner.h"

#include <QTest>

namespace {

// The arguments in the order these tests use most: `final` before `masked`.
QByteArray frame(int opcode, const QByteArray &payload, bool final = true, bool masked = true) {
    return clientFrameBytes(opcode, payload, masked, final);
}

QByteArray feedAll(WebSocketTextJoiner &joiner, const QByteArray &bytes, bool byteByByte) {
    if (!byteByByte)
        return joiner.feed(bytes);
    QByteArray out;
    for (const char byte : bytes)
        out += joiner.feed(QByteArrayView(&byte, 1));
    return out;
}

} // namespace

class TstWebSocketTextJoiner : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void framesPassAsTheyCame_data() {
        QTest::addColumn<QByteArray>("stream");
        QTest::newRow("text") << frame(1, "hello") + frame(1, QByteArray(300, 'x'));
        QTest::newRow("ping, binary, close") << frame(9, "p") + frame(2, "\x00\x01") + frame(8, "");
        QTest::newRow("fragmented binary")
            << frame(2, "ab", false) + frame(0, "cd", false) + frame(0, "ef");
        QTest::newRow("continuation without a start") << frame(0, "stray");
        QTest::newRow("unmasked fragments")
            << frame(1, "a", false, false) + frame(0, "b", true, false);
    }
    void framesPassAsTheyCame() {
        QFETCH(QByteArray, stream);
        for (const bool byteByByte : {false, true}) {
            WebSocketTextJoiner joiner;
            QCOMPARE(feedAll(joiner, stream, byteByByte), stream);
            QVERIFY(!joiner.isJoining());
        }
    }

    void fragmentsOfATextMessageAreJoined_data() {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<QByteArray>("expected");
        const QByteArray euro = "\xe2\x82\xac";
        QTest::newRow("a character split in two")
            << frame(1, "price: " + euro.first(1), false) + frame(0, euro.sliced(1) + "5")
            << frame(1, "price: " + euro + "5");
        QTest::newRow("a ping between, passed first")
            << frame(1, "ab", false) + frame(9, "ping") + frame(0, "", false) + frame(0, "cd")
            << frame(9, "ping") + frame(1, "abcd");
        QTest::newRow("long: two-byte length")
            << frame(1, QByteArray(100, 'a'), false) + frame(0, QByteArray(100, 'b'))
            << frame(1, QByteArray(100, 'a') + QByteArray(100, 'b'));
        QTest::newRow("then a plain frame") << frame(1, "a", false) + frame(0, "b") + frame(1, "c")
                                            << frame(1, "ab") + frame(1, "c");
    }
    void fragmentsOfATextMessageAreJoined() {
        QFETCH(QByteArray, stream);
        QFETCH(QByteArray, expected);
        for (const bool byteByByte : {false, true}) {
            WebSocketTextJoiner joiner;
            QCOMPARE(feedAll(joiner, stream, byteByByte), expected);
            QVERIFY(!joiner.isJoining());
        }
    }

    void aMessageIsHeldUntilItsLastFragment() {
        WebSocketTextJoiner joiner;
        QCOMPARE(joiner.feed(frame(1, "ab", false)), QByteArray());
        QVERIFY(joiner.isJoining());
        QCOMPARE(joiner.feed(frame(0, "cd")), frame(1, "abcd"));
    }

    void aMessageOverTheLimitPassesAsItCame() {
        WebSocketTextJoiner joiner;
        joiner.setMaxMessageBytes(150);
        const QByteArray first = frame(1, QByteArray(100, 'a'), false);
        const QByteArray second = frame(0, QByteArray(100, 'b'), false);
        const QByteArray last = frame(0, "c");
        QCOMPARE(joiner.feed(first), QByteArray());
        QCOMPARE(joiner.feed(second), first + second); // Qt refuses it (1009)
        QCOMPARE(joiner.feed(last), last);
        QVERIFY(!joiner.isJoining());
    }

    void aDataFrameInsideAMessagePassesWithWhatWasHeld() {
        // Against RFC 6455 section 5.4: Qt closes with 1002 once it reads them.
        WebSocketTextJoiner joiner;
        const QByteArray stream = frame(1, "a", false) + frame(1, "b");
        QCOMPARE(joiner.feed(stream), stream);
    }
};

QTEST_GUILESS_MAIN(TstWebSocketTextJoiner)
#include "tst_websockettextjoiner.moc"
