#pragma once

#include "server/JsonWebKeySet.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

// Verifies a bearer JWT as Supabase Auth issues them (README, "Security"): HS256 with the
// project's secret, or RS256 / ES256 with a key of the JWKS (the token's kid picks it). The
// algorithm must be the one of the key that checks it: `alg: none`, and an HS256 token "signed"
// with a public key, are refused. Then exp (required) and nbf with a small leeway, iss and aud
// when configured, and the user claim. Pure: token text + keys + clock in, a verdict out.
class JwtVerifier {
public:
    static constexpr int kLeewaySeconds = 30;

    struct Settings {
        QByteArray hmacSecret; // HS256; empty: HS256 tokens are refused
        QString issuer;        // required iss; empty: not checked
        QString audience;      // required among aud; empty: not checked
        QString userClaim = QStringLiteral("sub");
        QString adminRole; // a token whose role claim is this is the admin; empty: none is
    };

    struct Result {
        bool valid = false;
        bool admin = false;
        QString userId; // the user claim; may be empty for an admin token
        QString reason; // why the token is refused
        // Refused because no key has its kid (or none is loaded): the JWKS may have rotated.
        bool unknownKey = false;
        QJsonObject claims;
    };

    JwtVerifier();
    explicit JwtVerifier(Settings settings, JsonWebKeySet keys = {});

    void setKeys(const JsonWebKeySet &keys) { m_keys = keys; }
    const JsonWebKeySet &keys() const { return m_keys; }
    const Settings &settings() const { return m_settings; }

    Result verify(const QByteArray &token, qint64 nowSeconds) const;

private:
    QString checkSignature(const QString &algorithm, const QString &keyId, const QByteArray &input,
                           const QByteArray &signature, bool *unknownKey) const;
    QString checkClaims(const QJsonObject &claims, qint64 nowSeconds) const;

    Settings m_settings;
    JsonWebKeySet m_keys;
};
