#include "server/ClientFrame.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TestClientFrame : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void plainTextIsAMessage() {
        const ClientFrame frame = ClientFrame::parse(u"Hello, what is 2+2?"_s, 100);
        QCOMPARE(frame.kind(), ClientFrame::Kind::Message);
        QCOMPARE(frame.text(), u"Hello, what is 2+2?"_s);
    }

    void commands() {
        QCOMPARE(ClientFrame::parse(u"{\"type\":\"ping\"}"_s, 100).kind(), ClientFrame::Kind::Ping);
        QCOMPARE(ClientFrame::parse(u"{\"type\":\"cancel\"}"_s, 100).kind(),
                 ClientFrame::Kind::Cancel);
        const ClientFrame message =
            ClientFrame::parse(u"{\"type\":\"message\",\"text\":\"Hi\"}"_s, 100);
        QCOMPARE(message.kind(), ClientFrame::Kind::Message);
        QCOMPARE(message.text(), u"Hi"_s);
    }

    void jsonThatIsNoCommandIsSentAsItIs() {
        const QString text = u"{\"type\":\"other\",\"text\":\"x\"}"_s;
        const ClientFrame frame = ClientFrame::parse(text, 100);
        QCOMPARE(frame.kind(), ClientFrame::Kind::Message);
        QCOMPARE(frame.text(), text);
        QCOMPARE(ClientFrame::parse(u"[1,2]"_s, 100).text(), u"[1,2]"_s);
    }

    void badRequests() {
        const ClientFrame noText = ClientFrame::parse(u"{\"type\":\"message\",\"text\":3}"_s, 100);
        QCOMPARE(noText.kind(), ClientFrame::Kind::BadRequest);
        QVERIFY(noText.error().contains(u"string field \"text\""));
        QCOMPARE(ClientFrame::parse(u"  \n"_s, 100).kind(), ClientFrame::Kind::BadRequest);
        const ClientFrame empty =
            ClientFrame::parse(u"{\"type\":\"message\",\"text\":\" \"}"_s, 100);
        QCOMPARE(empty.kind(), ClientFrame::Kind::BadRequest);
        QVERIFY(empty.error().contains(u"empty"));
    }

    void theLimitCountsUtf8Bytes() {
        QCOMPARE(ClientFrame::parse(u"ééééé"_s, 10).kind(), ClientFrame::Kind::Message);
        const ClientFrame frame = ClientFrame::parse(u"éééééé"_s, 10);
        QCOMPARE(frame.kind(), ClientFrame::Kind::TooLarge);
        QVERIFY(frame.error().contains(u"12 bytes"));
        QVERIFY(frame.error().contains(u"limit of 10 bytes"));
    }

    void regenerateAndEdit() {
        QCOMPARE(ClientFrame::parse(u"{\"type\":\"regenerate\"}"_s, 100).kind(),
                 ClientFrame::Kind::Regenerate);
        const ClientFrame edit = ClientFrame::parse(u"{\"type\":\"edit\",\"text\":\"Hi\"}"_s, 100);
        QCOMPARE(edit.kind(), ClientFrame::Kind::Edit);
        QCOMPARE(edit.text(), u"Hi"_s);
        const ClientFrame noText = ClientFrame::parse(u"{\"type\":\"edit\"}"_s, 100);
        QCOMPARE(noText.kind(), ClientFrame::Kind::BadRequest);
        QVERIFY(noText.error().startsWith(u"an edit command needs a string field \"text\""));
        QVERIFY(noText.error().contains(u"{\"type\":\"edit\",\"text\":\"Hello\"}"));
        const ClientFrame blank =
            ClientFrame::parse(u"{\"type\":\"edit\",\"text\":\"\\n\"}"_s, 100);
        QCOMPARE(blank.kind(), ClientFrame::Kind::BadRequest);
        QCOMPARE(ClientFrame::parse(
                     u"{\"type\":\"edit\",\"text\":\"%1\"}"_s.arg(QString(100, u'x')), 100)
                     .kind(),
                 ClientFrame::Kind::TooLarge);
    }
};

QTEST_GUILESS_MAIN(TestClientFrame)
#include "tst_clientframe.moc"
