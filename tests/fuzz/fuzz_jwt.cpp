// JWT and JWKS parsing and verification (JsonWebKeySet, JwtToken, JwtVerifier). Input: sections
// separated by lines "%%": a JWKS document, a token, and the clock (Unix seconds; default
// 2026-01-01). Properties: the JWKS gives keys or an error, never both, one skipped reason per
// unusable key; a token gives parts or an error, and its parts written back parse to the same;
// a verdict is valid exactly when it has no reason, names a user (or is the admin), is never
// valid for alg none or another algorithm than HS256/RS256/ES256, nor for HS256 without the
// secret (algorithm confusion), and a valid token is refused once a byte of its signature
// changes.
#include "FuzzSupport.h"
#include "core/Ids.h"
#include "server/JsonWebKeySet.h"
#include "server/JwtToken.h"
#include "server/JwtVerifier.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace {

const QByteArray kSecret = "fuzz-secret-for-hs256-tokens-32-bytes!!";
constexpr qint64 kDefaultNow = 1767225600;

QByteArray base64Url(const QByteArray &data) {
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const bool quiet = (fuzzQuietQt(), true);
    Q_UNUSED(quiet);
    const QList<QByteArray> sections = fuzzSections(fuzzBytes(data, size), 3);
    const QByteArray &jwks = sections.at(0);
    const QByteArray &text = sections.at(1);
    bool clockOk = false;
    qint64 now = sections.at(2).trimmed().toLongLong(&clockOk);
    if (!clockOk)
        now = kDefaultNow;

    QString keysError;
    const std::optional<JsonWebKeySet> keys = JsonWebKeySet::parse(jwks, &keysError);
    FUZZ_CHECK(keys.has_value() == keysError.isEmpty(), u"keys or an error: "_s + keysError);
    if (keys) {
        FUZZ_CHECK(!keys->isEmpty() && keys->keys().size() <= JsonWebKeySet::kMaxKeys,
                   u"a set has 1 to kMaxKeys keys"_s);
        const qsizetype entries =
            QJsonDocument::fromJson(jwks).object().value(u"keys"_s).toArray().size();
        FUZZ_CHECK(keys->keys().size() + keys->skipped().size() == entries,
                   u"every entry is a key or skipped"_s);
        for (const JsonWebKey &key : keys->keys())
            FUZZ_CHECK(key.algorithm() == u"RS256" || key.algorithm() == u"ES256", key.algorithm());
    }

    QString tokenError;
    const std::optional<JwtToken> token = JwtToken::parse(text, &tokenError);
    FUZZ_CHECK(token.has_value() == tokenError.isEmpty(), u"a token or an error"_s);
    if (token) {
        const QByteArray rewritten =
            base64Url(QJsonDocument(token->header).toJson(QJsonDocument::Compact)) + '.' +
            base64Url(QJsonDocument(token->claims).toJson(QJsonDocument::Compact)) + '.' +
            base64Url(token->signature);
        QString againError;
        const std::optional<JwtToken> again = JwtToken::parse(rewritten, &againError);
        // Only the size limit may refuse it: re-encoding can grow the JSON (escapes).
        FUZZ_CHECK(again || rewritten.size() > JwtToken::kMaxBytes, againError);
        if (again)
            FUZZ_CHECK(again->header == token->header && again->claims == token->claims &&
                           again->signature == token->signature,
                       u"written back, the token parses to the same"_s);
    }

    JwtVerifier::Settings settings;
    settings.hmacSecret = kSecret;
    settings.adminRole = u"service_role"_s;
    const JwtVerifier full(settings, keys.value_or(JsonWebKeySet()));
    const JwtVerifier keysOnly(JwtVerifier::Settings{}, keys.value_or(JsonWebKeySet()));
    for (const JwtVerifier *verifier : {&full, &keysOnly}) {
        const JwtVerifier::Result result = verifier->verify(text, now);
        FUZZ_CHECK(result.valid == result.reason.isEmpty(), result.reason);
        if (!result.valid)
            continue;
        FUZZ_CHECK(token.has_value(), u"a valid token parses"_s);
        const QString alg = token->algorithm();
        FUZZ_CHECK(alg == u"HS256" || alg == u"RS256" || alg == u"ES256", alg);
        FUZZ_CHECK(alg != u"HS256" || verifier == &full, u"HS256 needs the secret"_s);
        FUZZ_CHECK(result.admin || Ids::isValidUserId(result.userId), result.userId);
        QByteArray tampered = text;
        const qsizetype last = tampered.lastIndexOf('.');
        if (last + 1 < tampered.size()) {
            // Flip a bit of the signature's first byte (its top bits, so the encoding stays
            // canonical and the decoded signature really changes).
            char &c = tampered[last + 1];
            c = c == 'A' ? 'g' : 'A';
            FUZZ_CHECK(!verifier->verify(tampered, now).valid, u"a changed signature is refused"_s);
        }
    }
    return 0;
}
