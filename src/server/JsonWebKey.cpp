#include "server/JsonWebKey.h"

#include "server/JwtToken.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

using namespace Qt::StringLiterals;

namespace {

template <typename T, void (*Free)(T *)> struct Deleter {
    void operator()(T *p) const { Free(p); }
};
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using KeyContext = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSignature = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

// Failures leave entries on libcrypto's per-thread error queue, which Qt's TLS code shares.
struct ClearErrorsOnExit {
    ClearErrorsOnExit() = default;
    ClearErrorsOnExit(const ClearErrorsOnExit &) = delete;
    ClearErrorsOnExit &operator=(const ClearErrorsOnExit &) = delete;
    ~ClearErrorsOnExit() { ERR_clear_error(); }
};

const unsigned char *bytes(const QByteArray &data) {
    return reinterpret_cast<const unsigned char *>(data.constData());
}

// A base64url member of the JWK; empty when missing or malformed.
QByteArray member(const QJsonObject &jwk, const QString &name) {
    const std::optional<QByteArray> decoded =
        JwtToken::decodeBase64Url(jwk.value(name).toString().toLatin1());
    return decoded.value_or(QByteArray());
}

std::shared_ptr<EVP_PKEY> publicKey(const char *type, OSSL_PARAM_BLD *builder) {
    const Params params(OSSL_PARAM_BLD_to_param(builder));
    const KeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY *key = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return {};
    std::shared_ptr<EVP_PKEY> owned(key, EVP_PKEY_free);
    // For EC keys this checks that the point is on the curve.
    const KeyContext check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1)
        return {};
    return owned;
}

std::shared_ptr<EVP_PKEY> rsaKey(const QJsonObject &jwk, QString *error) {
    const QByteArray n = member(jwk, u"n"_s);
    const QByteArray e = member(jwk, u"e"_s);
    if (n.isEmpty() || e.isEmpty() || e.size() > 8) {
        *error = u"an RSA key needs base64url n and e"_s;
        return {};
    }
    const Bignum modulus(BN_bin2bn(bytes(n), int(n.size()), nullptr));
    const Bignum exponent(BN_bin2bn(bytes(e), int(e.size()), nullptr));
    if (!modulus || !exponent)
        return {};
    if (BN_num_bits(modulus.get()) > JsonWebKey::kMaxRsaBits) {
        *error = u"an RSA key of %1 bits is longer than %2"_s.arg(BN_num_bits(modulus.get()))
                     .arg(JsonWebKey::kMaxRsaBits);
        return {};
    }
    if (BN_num_bits(modulus.get()) < JsonWebKey::kMinRsaBits) {
        *error =
            u"an RSA key of %1 bits is too short (at least %2)"_s.arg(BN_num_bits(modulus.get()))
                .arg(JsonWebKey::kMinRsaBits);
        return {};
    }
    const ParamBuilder builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1)
        return {};
    std::shared_ptr<EVP_PKEY> key = publicKey("RSA", builder.get());
    if (!key)
        *error = u"the RSA key is not valid"_s;
    return key;
}

std::shared_ptr<EVP_PKEY> ecKey(const QJsonObject &jwk, QString *error) {
    if (jwk.value(u"crv"_s).toString() != u"P-256") {
        *error =
            u"EC keys must be on curve P-256 (ES256), not %1"_s.arg(jwk.value(u"crv"_s).toString());
        return {};
    }
    const QByteArray x = member(jwk, u"x"_s);
    const QByteArray y = member(jwk, u"y"_s);
    if (x.size() != 32 || y.size() != 32) {
        *error = u"a P-256 key needs x and y of 32 bytes each"_s;
        return {};
    }
    const QByteArray point = QByteArray(1, '\x04') + x + y; // uncompressed SEC1 encoding
    const ParamBuilder builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                        0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.constData(),
                                         size_t(point.size())) != 1)
        return {};
    std::shared_ptr<EVP_PKEY> key = publicKey("EC", builder.get());
    if (!key)
        *error = u"the EC key is not a point of P-256"_s;
    return key;
}

// JWS's r || s as the DER ECDSA-Sig-Value that OpenSSL verifies; empty when malformed.
QByteArray derSignature(const QByteArray &raw) {
    if (raw.size() != 64)
        return {};
    EcdsaSignature signature(ECDSA_SIG_new());
    BIGNUM *r = BN_bin2bn(bytes(raw), 32, nullptr);
    BIGNUM *s = BN_bin2bn(bytes(raw) + 32, 32, nullptr);
    if (!signature || !r || !s || ECDSA_SIG_set0(signature.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return {};
    }
    unsigned char *der = nullptr;
    const int length = i2d_ECDSA_SIG(signature.get(), &der);
    if (length <= 0)
        return {};
    QByteArray result(reinterpret_cast<const char *>(der), length);
    OPENSSL_free(der);
    return result;
}

} // namespace

std::optional<JsonWebKey> JsonWebKey::fromJson(const QJsonObject &jwk, QString *error) {
    ClearErrorsOnExit clearErrors;
    JsonWebKey key;
    key.m_keyId = jwk.value(u"kid"_s).toString();
    const QString type = jwk.value(u"kty"_s).toString();
    if (jwk.contains(u"use"_s) && jwk.value(u"use"_s).toString() != u"sig") {
        *error = u"use is %1, not sig"_s.arg(jwk.value(u"use"_s).toString());
        return std::nullopt;
    }
    if (type == u"RSA") {
        key.m_algorithm = u"RS256"_s;
        key.m_key = rsaKey(jwk, error);
    } else if (type == u"EC") {
        key.m_algorithm = u"ES256"_s;
        key.m_key = ecKey(jwk, error);
    } else {
        *error = u"kty %1 is not supported (RSA or EC)"_s.arg(type.isEmpty() ? u"(none)"_s : type);
        return std::nullopt;
    }
    if (!key.m_key) {
        if (error->isEmpty())
            *error = u"the key could not be built"_s;
        return std::nullopt;
    }
    if (jwk.contains(u"alg"_s) && jwk.value(u"alg"_s).toString() != key.m_algorithm) {
        *error = u"alg %1 is not supported for a %2 key (only %3)"_s.arg(
            jwk.value(u"alg"_s).toString(), type, key.m_algorithm);
        return std::nullopt;
    }
    return key;
}

bool JsonWebKey::verify(const QByteArray &input, const QByteArray &signature) const {
    const QByteArray checked = m_algorithm == u"ES256" ? derSignature(signature) : signature;
    if (checked.isEmpty() || !m_key)
        return false;
    ClearErrorsOnExit clearErrors;
    const DigestContext context(EVP_MD_CTX_new());
    return context &&
           EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, m_key.get()) == 1 &&
           EVP_DigestVerify(context.get(), bytes(checked), size_t(checked.size()), bytes(input),
                            size_t(input.size())) == 1;
}
