#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <memory>
#include <optional>

typedef struct evp_pkey_st EVP_PKEY;

// One public key of a JWKS (RFC 7517): RSA (RS256, 2048 to 8192 bits) or EC P-256 (ES256). The
// key fixes its algorithm, so a token cannot choose how it is checked (no HS256 with a public
// key, RFC 8725 §3.1). Built and checked with OpenSSL's libcrypto. Immutable, cheap to copy.
class JsonWebKey {
public:
    static constexpr int kMinRsaBits = 2048;
    static constexpr int kMaxRsaBits = 8192; // larger keys only make verifying slow

    // nullopt, and `error` set, for a key that is malformed or not usable for signatures.
    static std::optional<JsonWebKey> fromJson(const QJsonObject &jwk, QString *error);

    QString keyId() const { return m_keyId; }
    // RS256 or ES256.
    QString algorithm() const { return m_algorithm; }
    // Whether `signature` is this key's signature of `input` (for ES256, r || s of 32 bytes
    // each, as JWS encodes it).
    bool verify(const QByteArray &input, const QByteArray &signature) const;

private:
    QString m_keyId;
    QString m_algorithm;
    std::shared_ptr<EVP_PKEY> m_key;
};
