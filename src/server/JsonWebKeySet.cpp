#include "server/JsonWebKeySet.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

using namespace Qt::StringLiterals;

std::optional<JsonWebKeySet> JsonWebKeySet::parse(const QByteArray &json, QString *error) {
    if (json.size() > kMaxBytes) {
        *error = u"the JWKS is larger than %1 bytes"_s.arg(kMaxBytes);
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = u"the JWKS is not JSON (%1 at offset %2)"_s.arg(parseError.errorString())
                     .arg(parseError.offset);
        return std::nullopt;
    }
    if (!document.isObject() || !document.object().value(u"keys"_s).isArray()) {
        *error = u"the JWKS is not an object with a \"keys\" array"_s;
        return std::nullopt;
    }
    const QJsonArray keys = document.object().value(u"keys"_s).toArray();
    if (keys.size() > kMaxKeys) {
        *error = u"the JWKS has %1 keys, more than %2"_s.arg(keys.size()).arg(kMaxKeys);
        return std::nullopt;
    }
    JsonWebKeySet set;
    for (qsizetype i = 0; i < keys.size(); ++i) {
        const QJsonObject jwk = keys.at(i).toObject();
        const QString kid = jwk.value(u"kid"_s).toString();
        const QString name =
            kid.isEmpty() ? u"key %1"_s.arg(i + 1) : u"key %1 (kid %2)"_s.arg(i + 1).arg(kid);
        QString problem;
        if (!keys.at(i).isObject()) {
            problem = u"not an object"_s;
        } else if (std::optional<JsonWebKey> key = JsonWebKey::fromJson(jwk, &problem)) {
            set.m_keys.append(*key);
            continue;
        }
        set.m_skipped.append(name + u": "_s + problem);
    }
    if (set.m_keys.isEmpty()) {
        *error = set.m_skipped.isEmpty()
                     ? u"the JWKS has no keys"_s
                     : u"the JWKS has no usable key: "_s + set.m_skipped.join(u"; "_s);
        return std::nullopt;
    }
    return set;
}

QStringList JsonWebKeySet::keyIds() const {
    QStringList ids;
    for (const JsonWebKey &key : m_keys)
        ids.append(key.keyId());
    return ids;
}
