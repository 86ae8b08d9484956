#include "core/SessionTitle.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TestSessionTitle : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void shortTextIsKeptTrimmed() {
        QCOMPARE(SessionTitle::fromText(u"  How much to ship\n5kg   to the US?  "_s),
                 u"How much to ship 5kg to the US?"_s);
        QCOMPARE(SessionTitle::fromText(u" \n\t "_s), QString());
    }

    void longTextIsCutAtAWordBoundary() {
        const QString text = u"Please explain, in a few paragraphs, how the tides of the oceans "
                             "are caused by the moon and the sun"_s;
        const QString title = SessionTitle::fromText(text);
        QVERIFY(title.size() <= SessionTitle::kAutoLength);
        QCOMPARE(title, u"Please explain, in a few paragraphs, how the tides of the…"_s);
    }

    void oneLongWordIsCutInside() {
        const QString url = u"https://example.com/"_s + QString(100, u'a');
        const QString title = SessionTitle::fromText(url);
        QCOMPARE(title.size(), SessionTitle::kAutoLength);
        QVERIFY(title.endsWith(u'…'));
        QVERIFY(url.startsWith(title.chopped(1)));
    }

    void surrogatePairsAreNotSplit() {
        const QString emoji = u"😀"_s;
        QString text;
        for (int i = 0; i < 40; ++i)
            text += emoji;
        const QString title = SessionTitle::fromText(text);
        QVERIFY(title.size() <= SessionTitle::kAutoLength);
        QVERIFY(!title.chopped(1).back().isHighSurrogate());
    }

    void summaryGivesItsFirstSentence() {
        QCOMPARE(SessionTitle::fromSummary(u"Ada asked about shipping 5 kg to the US. It costs "
                                           "$15.00 and takes 3-5 days."_s),
                 u"Ada asked about shipping 5 kg to the US"_s);
        QCOMPARE(SessionTitle::fromSummary(u"Price of 2.5 kg parcels."_s),
                 u"Price of 2.5 kg parcels"_s);
        QCOMPARE(SessionTitle::fromSummary(u"Summary: The user's name is Ada. They chatted."_s),
                 u"The user's name is Ada"_s);
        QCOMPARE(SessionTitle::fromSummary(QString()), QString());
    }

    void userTitleIsChecked() {
        QString error;
        QCOMPARE(SessionTitle::fromUser(u"  Trip   to <b>Rome</b> "_s, &error),
                 u"Trip to <b>Rome</b>"_s);
        QVERIFY(SessionTitle::fromUser(u"   "_s, &error).isNull());
        QVERIFY2(error.contains(u"empty"_s), qPrintable(error));
        QVERIFY(
            SessionTitle::fromUser(QString(SessionTitle::kMaxLength + 1, u'x'), &error).isNull());
        QVERIFY2(error.contains(u"at most 120"_s), qPrintable(error));
        QVERIFY(!SessionTitle::fromUser(QString(SessionTitle::kMaxLength, u'x'), &error).isNull());
        QVERIFY(SessionTitle::fromUser(u"a\u0007b"_s, &error).isNull());
        QVERIFY2(error.contains(u"control character"_s), qPrintable(error));
    }
};

QTEST_APPLESS_MAIN(TestSessionTitle)
#include "tst_sessiontitle.moc"
