#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>

// A JSON Web Token in compact form (RFC 7519, a JWS of RFC 7515: header.payload.signature, each
// part base64url without padding), split and decoded but not verified: JwtVerifier decides
// whether to trust it. Pure.
struct JwtToken {
    static constexpr qsizetype kMaxBytes = 16 * 1024;

    QJsonObject header;
    QJsonObject claims;
    QByteArray signingInput; // the first two parts as sent, which the signature covers
    QByteArray signature;

    QString algorithm() const { return header.value(QStringLiteral("alg")).toString(); }
    QString keyId() const { return header.value(QStringLiteral("kid")).toString(); }

    // nullopt, and `error` set, when `text` is not a well-formed JWT.
    static std::optional<JwtToken> parse(const QByteArray &text, QString *error);
    // Strict base64url (RFC 7515 §2): only [A-Za-z0-9_-], no padding; nullopt otherwise.
    static std::optional<QByteArray> decodeBase64Url(const QByteArray &text);
};
