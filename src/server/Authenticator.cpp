#include "server/Authenticator.h"

#include "server/ApiCredentials.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

Authenticator::Authenticator(const QString &apiToken, bool jwtEnabled, const JwtVerifier &verifier,
                             QObject *parent)
    : QObject(parent)
    , m_apiToken(apiToken)
    , m_jwtEnabled(jwtEnabled)
    , m_verifier(verifier) {}

ClientIdentity Authenticator::identify(const QByteArray &authorizationHeader, const QUrl &url) {
    ClientIdentity identity;
    if (!isEnabled())
        return identity;
    const QString presented = ApiCredentials::presented(authorizationHeader, url);
    if (!m_apiToken.isEmpty() && ApiCredentials::authorized(authorizationHeader, url, m_apiToken)) {
        identity.role = ClientIdentity::Role::Admin;
        return identity;
    }
    identity.role = ClientIdentity::Role::Refused;
    if (presented.isEmpty()) {
        identity.reason = m_jwtEnabled ? u"no token: send a JWT as Authorization: Bearer … or "
                                         "?token=…"_s
                                       : u"no token: send the API token as Authorization: "
                                         "Bearer … or ?token=…"_s;
        return identity;
    }
    if (!m_jwtEnabled) {
        identity.reason = u"the token is not this server's API token"_s;
        return identity;
    }
    const JwtVerifier::Result result = verify(presented.toUtf8());
    if (!result.valid) {
        identity.reason = result.reason;
        if (result.unknownKey)
            Q_EMIT unknownKeyPresented();
        return identity;
    }
    identity.role = result.admin ? ClientIdentity::Role::Admin : ClientIdentity::Role::User;
    identity.userId = result.userId;
    return identity;
}

void Authenticator::setKeys(const JsonWebKeySet &keys) {
    const QWriteLocker locker(&m_keysLock);
    m_verifier.setKeys(keys);
}

JwtVerifier::Result Authenticator::verify(const QByteArray &token) const {
    const QReadLocker locker(&m_keysLock);
    return m_verifier.verify(token, QDateTime::currentSecsSinceEpoch());
}
