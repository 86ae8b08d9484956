#pragma once

#include <QByteArray>
#include <QString>
#include <QUrl>

// The API credential a client presents, for REST and WebSocket alike: `Authorization: Bearer
// TOKEN` (the scheme in any letter case, RFC 7235) or, for browsers that cannot set headers on
// a WebSocket, `?token=TOKEN`; the header wins when both are sent.
namespace ApiCredentials {

QString presented(const QByteArray &authorizationHeader, const QUrl &url);
// True when no token is configured, or the presented one equals it. Compared in constant time,
// so a token cannot be guessed byte by byte from response times.
bool authorized(const QByteArray &authorizationHeader, const QUrl &url, const QString &expected);

} // namespace ApiCredentials
