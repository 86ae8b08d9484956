// Ids: what a session id and a user id may be.

#include "core/Ids.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TstIds : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void userIds() {
        QVERIFY(Ids::isValidUserId(u"ada"_s));
        QVERIFY(Ids::isValidUserId(u"Ada Lovelace <ada@example.com>"_s));
        QVERIFY(Ids::isValidUserId(u"ключ"_s));
        QVERIFY(Ids::isValidUserId(u"👩‍💻 dev"_s)); // a zero-width joiner is not a control
        QVERIFY(Ids::isValidUserId(QString(Ids::kMaxUserIdLength, u'x')));
        QVERIFY(!Ids::isValidUserId(QString()));
        QVERIFY(!Ids::isValidUserId(QString(Ids::kMaxUserIdLength + 1, u'x')));
        QVERIFY(!Ids::isValidUserId(u"a"_s + QChar(0) + u"b"_s));
        QVERIFY(!Ids::isValidUserId(u"line\nbreak"_s));
        QVERIFY(!Ids::isValidUserId(u"tab\there"_s));
        QVERIFY(!Ids::isValidUserId(u"not utf-8: "_s + QChar(QChar::ReplacementCharacter)));
    }

    void sessionIds() {
        const QUuid id = Ids::newSessionId();
        QCOMPARE(Ids::parseSessionId(Ids::toText(id)), id);
        QCOMPARE(Ids::parseSessionId(Ids::toText(id).toUpper()), id);
        QVERIFY(Ids::parseSessionId(u"{"_s + Ids::toText(id) + u"}"_s).isNull());
        QVERIFY(Ids::parseSessionId(u"12345"_s).isNull());
    }
};

QTEST_GUILESS_MAIN(TstIds)
#include "tst_ids.moc"
