// JwtVerifier, JwtToken and JsonWebKeySet: which tokens are accepted, with keys the test makes.

#include "fixtures/TestJwt.h"
#include "fixtures/TestJwtKey.h"
#include "server/JsonWebKeySet.h"
#include "server/JwtToken.h"
#include "server/JwtVerifier.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <openssl/bn.h>
#include <openssl/evp.h>

using namespace Qt::StringLiterals;

namespace {

const QByteArray kSecret = "super-secret-jwt-token-with-at-least-32-characters-long";

JsonWebKeySet keySet(const QList<TestJwtKey> &keys) {
    QString error;
    const std::optional<JsonWebKeySet> set = JsonWebKeySet::parse(TestJwt::jwks(keys), &error);
    if (!set)
        qFatal("JWKS refused: %s", qPrintable(error));
    return *set;
}

qint64 now() {
    return QDateTime::currentSecsSinceEpoch();
}

} // namespace

class TstJwtVerifier : public QObject {
    Q_OBJECT

    TestJwtKey m_rsa = TestJwtKey::rsa(u"rsa-1"_s);
    TestJwtKey m_ec = TestJwtKey::ec(u"ec-1"_s);

    JwtVerifier verifier(JwtVerifier::Settings settings = {}) const {
        if (settings.hmacSecret.isEmpty())
            settings.hmacSecret = kSecret;
        return JwtVerifier(settings, keySet({m_rsa, m_ec}));
    }

private Q_SLOTS:
    void acceptsSupabaseTokens() {
        const QJsonObject claims = TestJwt::supabaseClaims(u"user-a"_s);
        for (const QByteArray &token :
             {TestJwt::hs256(kSecret, claims), TestJwt::signedBy(m_rsa, claims),
              TestJwt::signedBy(m_ec, claims)}) {
            const JwtVerifier::Result result = verifier().verify(token, now());
            QVERIFY2(result.valid, qPrintable(result.reason));
            QCOMPARE(result.userId, u"user-a"_s);
            QVERIFY(!result.admin);
        }
    }

    void refusesAWrongKeyOrSecret() {
        const QJsonObject claims = TestJwt::supabaseClaims(u"user-a"_s);
        const JwtVerifier::Result hs = verifier().verify(
            TestJwt::hs256("another-secret-of-more-than-32-chars!", claims), now());
        QVERIFY(!hs.valid);
        QCOMPARE(hs.reason, u"the token's signature is not valid"_s);
        // Another key under the same kid: the key the JWKS has does not verify it.
        const TestJwtKey impostor = TestJwtKey::rsa(u"rsa-1"_s);
        const JwtVerifier::Result rs =
            verifier().verify(TestJwt::signedBy(impostor, claims), now());
        QVERIFY(!rs.valid);
        QCOMPARE(rs.reason, u"the token's signature is not valid"_s);
        QVERIFY(!rs.unknownKey);
        const TestJwtKey ecImpostor = TestJwtKey::ec(u"ec-1"_s);
        QVERIFY(!verifier().verify(TestJwt::signedBy(ecImpostor, claims), now()).valid);
        // A tampered payload.
        QByteArray token = TestJwt::signedBy(m_ec, claims);
        const QList<QByteArray> parts = token.split('.');
        QJsonObject changed = claims;
        changed.insert(u"sub"_s, u"user-b"_s);
        token = parts.at(0) + '.' +
                TestJwt::base64Url(QJsonDocument(changed).toJson(QJsonDocument::Compact)) + '.' +
                parts.at(2);
        QVERIFY(!verifier().verify(token, now()).valid);
    }

    void unknownKeyId() {
        const TestJwtKey rotated = TestJwtKey::ec(u"ec-2"_s);
        const JwtVerifier::Result result =
            verifier().verify(TestJwt::signedBy(rotated, TestJwt::supabaseClaims(u"a"_s)), now());
        QVERIFY(!result.valid);
        QVERIFY(result.unknownKey);
        QCOMPARE(result.reason, u"no ES256 key of the JWKS has the token's kid"_s);
    }

    void refusesUnsignedTokens() {
        QJsonObject claims = TestJwt::supabaseClaims(u"user-a"_s);
        const JwtVerifier::Result result = verifier().verify(TestJwt::unsignedToken(claims), now());
        QVERIFY(!result.valid);
        QCOMPARE(result.reason, u"unsigned tokens (alg none) are not accepted"_s);
        // "None" with a signature part that is not empty, too.
        const QByteArray input = TestJwt::signingInput({{u"alg"_s, u"None"_s}}, claims);
        QVERIFY(!verifier().verify(input + ".c2ln", now()).valid);
    }

    // An HS256 token "signed" with the RSA public key (PEM, or the JWK's text) as the secret:
    // the public key is no HMAC secret here, whether or not a secret is configured.
    void refusesAlgorithmConfusion() {
        const QJsonObject claims = TestJwt::supabaseClaims(u"user-a"_s);
        const QByteArray pem = m_rsa.publicPem();
        QVERIFY(pem.startsWith("-----BEGIN PUBLIC KEY-----"));
        const QByteArray jwkText = QJsonDocument(m_rsa.jwk()).toJson(QJsonDocument::Compact);
        const JwtVerifier keysOnly(JwtVerifier::Settings{}, keySet({m_rsa}));
        for (const QByteArray &secret : {pem, jwkText}) {
            const QByteArray token = TestJwt::hs256(secret, claims, {{u"kid"_s, u"rsa-1"_s}});
            const JwtVerifier::Result alone = keysOnly.verify(token, now());
            QVERIFY(!alone.valid);
            QCOMPARE(alone.reason, u"HS256 tokens are not accepted: no JWT secret is configured"_s);
            QVERIFY(!verifier().verify(token, now()).valid);
        }
        // An EC key's kid with alg RS256 (the EC signature offered as RSA): no such key.
        const QByteArray input =
            TestJwt::signingInput({{u"alg"_s, u"RS256"_s}, {u"kid"_s, u"ec-1"_s}}, claims);
        QVERIFY(
            !verifier().verify(input + '.' + TestJwt::base64Url(m_ec.sign(input)), now()).valid);
    }

    void refusesOtherAlgorithms() {
        const QJsonObject claims = TestJwt::supabaseClaims(u"user-a"_s);
        for (const QString &alg : {u"HS512"_s, u"RS384"_s, u"PS256"_s, u"ES384"_s, u"EdDSA"_s}) {
            const QByteArray token = TestJwt::signingInput({{u"alg"_s, alg}}, claims) + ".c2ln";
            const JwtVerifier::Result result = verifier().verify(token, now());
            QVERIFY(!result.valid);
            QCOMPARE(result.reason, u"alg %1 is not supported (HS256, RS256 or ES256)"_s.arg(alg));
        }
    }

    void expiryAndNotBefore() {
        QJsonObject claims = TestJwt::supabaseClaims(u"user-a"_s);
        auto verdict = [this](const QJsonObject &c) {
            return verifier().verify(TestJwt::hs256(kSecret, c), now());
        };
        claims.insert(u"exp"_s, now() - 3600);
        QCOMPARE(verdict(claims).reason, u"the token has expired"_s);
        claims.insert(u"exp"_s, now() - 5); // within the leeway for clock skew
        QVERIFY(verdict(claims).valid);
        claims.remove(u"exp"_s);
        QCOMPARE(verdict(claims).reason, u"the token has no numeric exp (expiry) claim"_s);
        claims.insert(u"exp"_s, u"tomorrow"_s);
        QVERIFY(!verdict(claims).valid);
        claims.insert(u"exp"_s, now() + 3600);
        claims.insert(u"nbf"_s, now() + 600);
        QCOMPARE(verdict(claims).reason, u"the token is not valid yet (nbf)"_s);
        claims.insert(u"nbf"_s, now() + 5);
        QVERIFY(verdict(claims).valid);
        claims.insert(u"nbf"_s, u"soon"_s);
        QVERIFY(!verdict(claims).valid);
    }

    void issuerAndAudience() {
        JwtVerifier::Settings settings;
        settings.issuer = u"https://project.supabase.co/auth/v1"_s;
        settings.audience = u"authenticated"_s;
        const JwtVerifier checking = verifier(settings);
        QJsonObject claims = TestJwt::supabaseClaims(u"user-a"_s, settings.issuer);
        QVERIFY(checking.verify(TestJwt::signedBy(m_ec, claims), now()).valid);
        claims.insert(u"aud"_s, QJsonArray{u"other"_s, u"authenticated"_s});
        QVERIFY(checking.verify(TestJwt::signedBy(m_ec, claims), now()).valid);
        claims.insert(u"aud"_s, u"anon"_s);
        QCOMPARE(checking.verify(TestJwt::signedBy(m_ec, claims), now()).reason,
                 u"the token's audience (aud) does not include authenticated"_s);
        claims.remove(u"aud"_s);
        QVERIFY(!checking.verify(TestJwt::signedBy(m_ec, claims), now()).valid);
        claims = TestJwt::supabaseClaims(u"user-a"_s, u"https://evil.supabase.co/auth/v1"_s);
        QCOMPARE(checking.verify(TestJwt::signedBy(m_ec, claims), now()).reason,
                 u"the token's issuer (iss) is not https://project.supabase.co/auth/v1"_s);
        claims.remove(u"iss"_s);
        QVERIFY(!checking.verify(TestJwt::signedBy(m_ec, claims), now()).valid);
        // Not configured: not checked.
        QVERIFY(verifier().verify(TestJwt::signedBy(m_ec, claims), now()).valid);
    }

    void userClaim() {
        QJsonObject claims = TestJwt::supabaseClaims(u"user-a"_s);
        claims.remove(u"sub"_s);
        QCOMPARE(verifier().verify(TestJwt::hs256(kSecret, claims), now()).reason,
                 u"the token has no sub claim (the user id)"_s);
        claims.insert(u"sub"_s, 42);
        QVERIFY(!verifier().verify(TestJwt::hs256(kSecret, claims), now()).valid);
        claims.insert(u"sub"_s, u""_s);
        QVERIFY(!verifier().verify(TestJwt::hs256(kSecret, claims), now()).valid);
        claims.insert(u"sub"_s, QString(u"a\u0000b"_s));
        QVERIFY(!verifier().verify(TestJwt::hs256(kSecret, claims), now()).valid);

        JwtVerifier::Settings settings;
        settings.userClaim = u"user_id"_s;
        claims.insert(u"sub"_s, u"ignored"_s);
        claims.insert(u"user_id"_s, u"custom-user"_s);
        const JwtVerifier::Result result =
            verifier(settings).verify(TestJwt::hs256(kSecret, claims), now());
        QVERIFY(result.valid);
        QCOMPARE(result.userId, u"custom-user"_s);
    }

    // Supabase's service_role key has no sub: with that role configured as the admin's it is
    // the admin; other roles without sub stay refused.
    void adminRole() {
        JwtVerifier::Settings settings;
        settings.adminRole = u"service_role"_s;
        const qint64 t = now();
        const QJsonObject service{{u"iss"_s, u"supabase"_s},
                                  {u"role"_s, u"service_role"_s},
                                  {u"iat"_s, t},
                                  {u"exp"_s, t + 3600}};
        const JwtVerifier::Result admin =
            verifier(settings).verify(TestJwt::hs256(kSecret, service), t);
        QVERIFY2(admin.valid, qPrintable(admin.reason));
        QVERIFY(admin.admin);
        QVERIFY(!verifier().verify(TestJwt::hs256(kSecret, service), t).valid);
        QJsonObject anon = service;
        anon.insert(u"role"_s, u"anon"_s);
        QVERIFY(!verifier(settings).verify(TestJwt::hs256(kSecret, anon), t).valid);
        QJsonObject user = TestJwt::supabaseClaims(u"user-a"_s);
        const JwtVerifier::Result plain =
            verifier(settings).verify(TestJwt::hs256(kSecret, user), t);
        QVERIFY(plain.valid);
        QVERIFY(!plain.admin);
    }

    void refusesGarbage() {
        const QByteArray good = TestJwt::hs256(kSecret, TestJwt::supabaseClaims(u"user-a"_s));
        const QList<QByteArray> parts = good.split('.');
        const QList<QByteArray> garbage = {
            "",
            "abc",
            "a.b",
            "a.b.c",
            "....",
            good + ".",
            good + "=",
            parts.at(0) + "=." + parts.at(1) + '.' + parts.at(2),
            parts.at(0) + '.' + parts.at(1) + ".+/+/",
            TestJwt::base64Url("[1,2]") + '.' + parts.at(1) + '.' + parts.at(2),
            TestJwt::base64Url("{\"typ\":\"JWT\"}") + '.' + parts.at(1) + '.' + parts.at(2),
            parts.at(0) + '.' + TestJwt::base64Url("not json") + '.' + parts.at(2),
            QByteArray(JwtToken::kMaxBytes + 1, 'a'),
            "\xff\xfe.\x00.\x01"};
        for (const QByteArray &token : garbage) {
            const JwtVerifier::Result result = verifier().verify(token, now());
            QVERIFY2(!result.valid, token.left(80).constData());
            QVERIFY(!result.reason.isEmpty());
        }
        QVERIFY(verifier().verify(good, now()).valid);
        // crit extensions are not understood, so not accepted.
        QVERIFY(!verifier()
                     .verify(TestJwt::hs256(kSecret, TestJwt::supabaseClaims(u"a"_s),
                                            {{u"crit"_s, QJsonArray{u"exp"_s}}}),
                             now())
                     .valid);
        // An ES256 signature of the wrong length.
        const QByteArray es = TestJwt::signedBy(m_ec, TestJwt::supabaseClaims(u"a"_s));
        QVERIFY(!verifier().verify(es + "AAAA", now()).valid);
        QVERIFY(!verifier().verify(es.left(es.size() - 4), now()).valid);
    }

    void decodesStrictBase64Url() {
        QCOMPARE(JwtToken::decodeBase64Url("aGk"), QByteArray("hi"));
        QCOMPARE(JwtToken::decodeBase64Url("-_8"), QByteArray("\xfb\xff", 2));
        QCOMPARE(JwtToken::decodeBase64Url(""), QByteArray());
        QVERIFY(!JwtToken::decodeBase64Url("aGk="));
        QVERIFY(!JwtToken::decodeBase64Url("+/8"));
        QVERIFY(!JwtToken::decodeBase64Url("a"));
        QVERIFY(!JwtToken::decodeBase64Url("aG k"));
    }

    void keySets() {
        QString error;
        QJsonObject symmetric{{u"kty"_s, u"oct"_s}, {u"k"_s, u"c2VjcmV0"_s}, {u"kid"_s, u"h"_s}};
        QJsonObject p384 = m_ec.jwk();
        p384.insert(u"crv"_s, u"P-384"_s);
        QJsonObject offCurve = m_ec.jwk();
        offCurve.insert(u"kid"_s, u"off"_s);
        offCurve.insert(u"y"_s, offCurve.value(u"x"_s));
        QJsonObject encryption = m_rsa.jwk();
        encryption.insert(u"use"_s, u"enc"_s);
        QJsonObject wrongAlg = m_rsa.jwk();
        wrongAlg.insert(u"alg"_s, u"HS256"_s);
        const QJsonArray keys{symmetric, p384, offCurve, encryption, wrongAlg, m_ec.jwk(), 7};
        const std::optional<JsonWebKeySet> set =
            JsonWebKeySet::parse(QJsonDocument(QJsonObject{{u"keys"_s, keys}}).toJson(), &error);
        QVERIFY2(set, qPrintable(error));
        QCOMPARE(set->keyIds(), QStringList{u"ec-1"_s});
        QCOMPARE(set->skipped().size(), 6);
        QVERIFY(set->skipped().at(0).contains(u"kty oct is not supported"_s));
        QVERIFY(set->skipped().at(2).contains(u"not a point of P-256"_s));

        for (const QByteArray &bad :
             {QByteArray("not json"), QByteArray("[]"), QByteArray("{\"keys\":{}}"),
              QByteArray("{\"keys\":[]}"),
              QJsonDocument(QJsonObject{{u"keys"_s, QJsonArray{symmetric}}}).toJson()}) {
            error.clear();
            QVERIFY(!JsonWebKeySet::parse(bad, &error));
            QVERIFY(!error.isEmpty());
        }
    }

    void refusesShortRsaKeys() {
        EVP_PKEY *key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(1024));
        QVERIFY(key);
        BIGNUM *n = nullptr;
        QVERIFY(EVP_PKEY_get_bn_param(key, "n", &n) == 1);
        QByteArray modulus(BN_num_bytes(n), '\0');
        BN_bn2bin(n, reinterpret_cast<unsigned char *>(modulus.data()));
        BN_free(n);
        EVP_PKEY_free(key);
        QString error;
        const QJsonObject jwk{{u"kty"_s, u"RSA"_s},
                              {u"n"_s, QString::fromLatin1(TestJwt::base64Url(modulus))},
                              {u"e"_s, u"AQAB"_s}};
        QVERIFY(!JsonWebKey::fromJson(jwk, &error));
        QCOMPARE(error, u"an RSA key of 1024 bits is too short (at least 2048)"_s);
        QByteArray huge(1200, '\x5a');
        huge[0] = '\xff';
        const QJsonObject hugeJwk{{u"kty"_s, u"RSA"_s},
                                  {u"n"_s, QString::fromLatin1(TestJwt::base64Url(huge))},
                                  {u"e"_s, u"AQAB"_s}};
        QVERIFY(!JsonWebKey::fromJson(hugeJwk, &error));
        QCOMPARE(error, u"an RSA key of 9600 bits is longer than 8192"_s);
    }
};

QTEST_GUILESS_MAIN(TstJwtVerifier)
#include "tst_jwtverifier.moc"
