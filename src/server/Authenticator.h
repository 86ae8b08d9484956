#pragma once

#include "server/ClientIdentity.h"
#include "server/JwtVerifier.h"

#include <QByteArray>
#include <QObject>
#include <QReadWriteLock>
#include <QString>
#include <QUrl>

// Decides who a request is (README, "Security"), for REST and WebSocket alike, from the
// credential ApiCredentials reads (Authorization: Bearer, or ?token=): the API token makes it the
// admin; with a JWT secret or JWKS configured a valid JWT makes it its user (or the admin, by its
// role). Authentication is on when any of them is configured; then anything else is refused.
// Credentials are never logged. identify() may be called from any thread (every network thread
// identifies its connections); the keys change on the main thread.
class Authenticator : public QObject {
    Q_OBJECT

public:
    // `jwtEnabled`: a JWT secret or a JWKS is configured (the keys may come later: setKeys).
    Authenticator(const QString &apiToken, bool jwtEnabled, const JwtVerifier &verifier,
                  QObject *parent = nullptr);

    bool isEnabled() const { return !m_apiToken.isEmpty() || m_jwtEnabled; }
    ClientIdentity identify(const QByteArray &authorizationHeader, const QUrl &url);
    void setKeys(const JsonWebKeySet &keys);

Q_SIGNALS:
    // A token was refused for a key id the JWKS lacks: the keys may have been rotated.
    void unknownKeyPresented();

private:
    JwtVerifier::Result verify(const QByteArray &token) const;

    QString m_apiToken;
    bool m_jwtEnabled;
    mutable QReadWriteLock m_keysLock;
    JwtVerifier m_verifier;
};
