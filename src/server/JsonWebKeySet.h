#pragma once

#include "server/JsonWebKey.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

// The public keys of a JWKS document ({"keys":[…]}, RFC 7517 §5), as an identity provider such as
// Supabase Auth publishes them. Keys this server cannot use (symmetric, other curves, encryption
// keys) are skipped and listed in skipped(); a set with no usable key is an error. Pure.
class JsonWebKeySet {
public:
    static constexpr qsizetype kMaxBytes = 1024 * 1024;
    static constexpr int kMaxKeys = 100;

    static std::optional<JsonWebKeySet> parse(const QByteArray &json, QString *error);

    const QList<JsonWebKey> &keys() const { return m_keys; }
    bool isEmpty() const { return m_keys.isEmpty(); }
    // Why each skipped key was skipped ("key 2 (kid abc): …").
    const QStringList &skipped() const { return m_skipped; }
    QStringList keyIds() const;

private:
    QList<JsonWebKey> m_keys;
    QStringList m_skipped;
};
