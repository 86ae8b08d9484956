#include "server/JwtToken.h"

#include <QJsonDocument>
#include <QJsonParseError>

using namespace Qt::StringLiterals;

namespace {

bool isBase64UrlChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

std::optional<QJsonObject> jsonObject(const QByteArray &part) {
    const std::optional<QByteArray> bytes = JwtToken::decodeBase64Url(part);
    if (!bytes)
        return std::nullopt;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(*bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return document.object();
}

} // namespace

std::optional<QByteArray> JwtToken::decodeBase64Url(const QByteArray &text) {
    // A length of 1 mod 4 cannot come from any byte string.
    if (text.size() % 4 == 1)
        return std::nullopt;
    for (const char c : text)
        if (!isBase64UrlChar(c))
            return std::nullopt;
    const QByteArray::FromBase64Result decoded = QByteArray::fromBase64Encoding(
        text, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return decoded.decoded;
}

std::optional<JwtToken> JwtToken::parse(const QByteArray &text, QString *error) {
    if (text.isEmpty()) {
        *error = u"the token is empty"_s;
        return std::nullopt;
    }
    if (text.size() > kMaxBytes) {
        *error = u"the token is longer than %1 bytes"_s.arg(kMaxBytes);
        return std::nullopt;
    }
    const QList<QByteArray> parts = text.split('.');
    if (parts.size() != 3) {
        *error = u"the token is not a JWT (header.payload.signature)"_s;
        return std::nullopt;
    }
    JwtToken token;
    const std::optional<QJsonObject> header = jsonObject(parts.at(0));
    if (!header) {
        *error = u"the token's header is not base64url-encoded JSON"_s;
        return std::nullopt;
    }
    const std::optional<QJsonObject> claims = jsonObject(parts.at(1));
    if (!claims) {
        *error = u"the token's payload is not base64url-encoded JSON"_s;
        return std::nullopt;
    }
    const std::optional<QByteArray> signature = decodeBase64Url(parts.at(2));
    if (!signature) {
        *error = u"the token's signature is not base64url"_s;
        return std::nullopt;
    }
    if (!header->value(u"alg"_s).isString()) {
        *error = u"the token's header has no alg"_s;
        return std::nullopt;
    }
    if (header->contains(u"kid"_s) && !header->value(u"kid"_s).isString()) {
        *error = u"the token's kid is not a string"_s;
        return std::nullopt;
    }
    // RFC 7515 §4.1.11: extensions the recipient does not understand make the token invalid.
    if (header->contains(u"crit"_s)) {
        *error = u"the token has critical header extensions (crit), which are not supported"_s;
        return std::nullopt;
    }
    token.header = *header;
    token.claims = *claims;
    token.signingInput = parts.at(0) + '.' + parts.at(1);
    token.signature = *signature;
    return token;
}
