// ApiCredentials: where a client's API token is read from, and the check against the server's.

#include "server/ApiCredentials.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TstApiCredentials : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void presented() {
        const QUrl plain(u"http://127.0.0.1:8000/api/sessions"_s);
        const QUrl withToken(u"http://127.0.0.1:8000/ws/session/x?user_id=a&token=q%2Bq"_s);
        QCOMPARE(ApiCredentials::presented("Bearer s3cret", plain), u"s3cret"_s);
        QCOMPARE(ApiCredentials::presented("bearer s3cret", plain), u"s3cret"_s); // RFC 7235
        QCOMPARE(ApiCredentials::presented("BEARER  s3cret ", plain), u"s3cret"_s);
        QCOMPARE(ApiCredentials::presented({}, withToken), u"q+q"_s);
        QCOMPARE(ApiCredentials::presented("Bearer header", withToken), u"header"_s);
        QCOMPARE(ApiCredentials::presented("Basic dXNlcjpwYXNz", plain), QString());
        QCOMPARE(ApiCredentials::presented("Bearer", plain), QString());
    }

    void authorized() {
        const QUrl url(u"http://127.0.0.1:8000/metrics"_s);
        QVERIFY(ApiCredentials::authorized({}, url, {})); // no token configured
        QVERIFY(ApiCredentials::authorized("Bearer s3cret", url, u"s3cret"_s));
        QVERIFY(!ApiCredentials::authorized("Bearer s3cre", url, u"s3cret"_s));
        QVERIFY(!ApiCredentials::authorized("Bearer s3cret2", url, u"s3cret"_s));
        QVERIFY(!ApiCredentials::authorized("Bearer S3CRET", url, u"s3cret"_s));
        QVERIFY(!ApiCredentials::authorized({}, url, u"s3cret"_s));
        QVERIFY(ApiCredentials::authorized("Bearer ключ", url, u"ключ"_s));
    }
};

QTEST_GUILESS_MAIN(TstApiCredentials)
#include "tst_apicredentials.moc"
