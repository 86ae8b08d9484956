// ExposurePolicy: serving beyond loopback needs authentication or an explicit allow_anonymous.

#include "server/ExposurePolicy.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TstExposurePolicy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void loopbackNeedsNothing() {
        for (const QString &host : {u"127.0.0.1"_s, u"localhost"_s, u"::1"_s}) {
            Config config;
            config.host = host;
            QVERIFY(ExposurePolicy::refusal(config).isEmpty());
            QVERIFY(ExposurePolicy::warning(config).isEmpty());
        }
    }

    void nonLoopbackWithoutAuthIsRefused() {
        Config config;
        config.host = u"0.0.0.0"_s;
        const QString refusal = ExposurePolicy::refusal(config);
        QVERIFY(refusal.contains(u"0.0.0.0"_s));
        QVERIFY(refusal.contains(u"RTAI_API_TOKEN"_s));
        QVERIFY(refusal.contains(u"--allow-anonymous"_s));
    }

    void allowAnonymousRunsWithAWarning() {
        Config config;
        config.host = u"192.168.1.5"_s;
        config.allowAnonymous = true;
        QVERIFY(ExposurePolicy::refusal(config).isEmpty());
        QVERIFY(ExposurePolicy::warning(config).contains(u"without authentication"_s));
    }

    void aTokenIsAuthentication() {
        Config config;
        config.host = u"0.0.0.0"_s;
        config.apiToken = u"s3cret"_s;
        QVERIFY(ExposurePolicy::refusal(config).isEmpty());
        QVERIFY(ExposurePolicy::warning(config).isEmpty());
    }

    void jwtVerificationIsAuthentication() {
        Config config;
        config.host = u"0.0.0.0"_s;
        config.jwtSecret = u"a-secret-of-more-than-thirty-two-characters"_s;
        QVERIFY(ExposurePolicy::refusal(config).isEmpty());
        config.jwtSecret.clear();
        config.jwks = u"https://project.supabase.co/auth/v1/.well-known/jwks.json"_s;
        QVERIFY(ExposurePolicy::refusal(config).isEmpty());
        QVERIFY(ExposurePolicy::warning(config).isEmpty());
        config.jwks.clear();
        QVERIFY(ExposurePolicy::refusal(config).contains(u"RTAI_JWKS"_s));
    }
};

QTEST_GUILESS_MAIN(TstExposurePolicy)
#include "tst_exposurepolicy.moc"
