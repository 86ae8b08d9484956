#include "server/JwtVerifier.h"

#include "core/Ids.h"
#include "server/JwtToken.h"

#include <QJsonArray>
#include <QMessageAuthenticationCode>
#include <openssl/crypto.h>

using namespace Qt::StringLiterals;

namespace {

bool sameInConstantTime(const QByteArray &a, const QByteArray &b) {
    return a.size() == b.size() &&
           CRYPTO_memcmp(a.constData(), b.constData(), size_t(a.size())) == 0;
}

// A NumericDate claim (RFC 7519 §2); nullopt when present but not a number.
std::optional<double> numericDate(const QJsonObject &claims, const QString &name, bool *present) {
    *present = claims.contains(name);
    if (!*present)
        return 0.0;
    const QJsonValue value = claims.value(name);
    if (!value.isDouble())
        return std::nullopt;
    return value.toDouble();
}

} // namespace

JwtVerifier::JwtVerifier()
    : JwtVerifier(Settings{}) {}

JwtVerifier::JwtVerifier(Settings settings, JsonWebKeySet keys)
    : m_settings(std::move(settings))
    , m_keys(std::move(keys)) {}

JwtVerifier::Result JwtVerifier::verify(const QByteArray &text, qint64 nowSeconds) const {
    Result result;
    const std::optional<JwtToken> token = JwtToken::parse(text, &result.reason);
    if (!token)
        return result;
    result.reason = checkSignature(token->algorithm(), token->keyId(), token->signingInput,
                                   token->signature, &result.unknownKey);
    if (result.reason.isEmpty())
        result.reason = checkClaims(token->claims, nowSeconds);
    if (!result.reason.isEmpty())
        return result;

    const QJsonValue role = token->claims.value(u"role"_s);
    result.admin = !m_settings.adminRole.isEmpty() && role.isString() &&
                   role.toString() == m_settings.adminRole;
    const QJsonValue user = token->claims.value(m_settings.userClaim);
    if (user.isString() && Ids::isValidUserId(user.toString())) {
        result.userId = user.toString();
    } else if (!result.admin) {
        result.reason =
            user.isUndefined()
                ? u"the token has no %1 claim (the user id)"_s.arg(m_settings.userClaim)
                : u"the token's %1 claim is not a user id (1 to %2 printable characters)"_s
                      .arg(m_settings.userClaim)
                      .arg(Ids::kMaxUserIdLength);
        return result;
    }
    result.valid = true;
    result.claims = token->claims;
    return result;
}

QString JwtVerifier::checkSignature(const QString &algorithm, const QString &keyId,
                                    const QByteArray &input, const QByteArray &signature,
                                    bool *unknownKey) const {
    if (algorithm.compare(u"none", Qt::CaseInsensitive) == 0)
        return u"unsigned tokens (alg none) are not accepted"_s;
    if (algorithm == u"HS256") {
        // Only ever with the configured secret: never with a key of the JWKS.
        if (m_settings.hmacSecret.isEmpty())
            return u"HS256 tokens are not accepted: no JWT secret is configured"_s;
        const QByteArray expected = QMessageAuthenticationCode::hash(input, m_settings.hmacSecret,
                                                                     QCryptographicHash::Sha256);
        return sameInConstantTime(expected, signature) ? QString()
                                                       : u"the token's signature is not valid"_s;
    }
    if (algorithm != u"RS256" && algorithm != u"ES256")
        return u"alg %1 is not supported (HS256, RS256 or ES256)"_s.arg(algorithm.left(20));
    if (m_keys.isEmpty()) {
        *unknownKey = true; // the JWKS may load now
        return u"%1 tokens are not accepted: no JWKS keys are loaded"_s.arg(algorithm);
    }
    bool candidate = false;
    for (const JsonWebKey &key : m_keys.keys()) {
        if (key.algorithm() != algorithm || (!keyId.isEmpty() && key.keyId() != keyId))
            continue;
        candidate = true;
        if (key.verify(input, signature))
            return {};
    }
    if (!candidate && !keyId.isEmpty()) {
        *unknownKey = true;
        return u"no %1 key of the JWKS has the token's kid"_s.arg(algorithm);
    }
    return candidate ? u"the token's signature is not valid"_s
                     : u"no %1 key in the JWKS"_s.arg(algorithm);
}

QString JwtVerifier::checkClaims(const QJsonObject &claims, qint64 nowSeconds) const {
    bool present = false;
    const std::optional<double> expires = numericDate(claims, u"exp"_s, &present);
    if (!expires || !present)
        return u"the token has no numeric exp (expiry) claim"_s;
    if (double(nowSeconds) >= *expires + kLeewaySeconds)
        return u"the token has expired"_s;
    const std::optional<double> notBefore = numericDate(claims, u"nbf"_s, &present);
    if (!notBefore)
        return u"the token's nbf claim is not a number"_s;
    if (present && double(nowSeconds) < *notBefore - kLeewaySeconds)
        return u"the token is not valid yet (nbf)"_s;
    if (!m_settings.issuer.isEmpty() && claims.value(u"iss"_s).toString() != m_settings.issuer)
        return u"the token's issuer (iss) is not %1"_s.arg(m_settings.issuer);
    if (!m_settings.audience.isEmpty()) {
        const QJsonValue audience = claims.value(u"aud"_s);
        const bool matches = audience.isArray()
                                 ? audience.toArray().contains(QJsonValue(m_settings.audience))
                                 : audience.toString() == m_settings.audience;
        if (!matches)
            return u"the token's audience (aud) does not include %1"_s.arg(m_settings.audience);
    }
    return {};
}
