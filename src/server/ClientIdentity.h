#pragma once

#include <QString>

// Who a request or connection is, as Authenticator decided from its credential.
struct ClientIdentity {
    enum class Role {
        Open,    // no authentication is configured: anyone, as any user
        Admin,   // the API token, or a JWT with the admin role: every user
        User,    // a verified JWT: only userId's sessions
        Refused, // no or a bad credential while authentication is on
    };

    Role role = Role::Open;
    QString userId; // Role::User (and an admin JWT that names one)
    QString reason; // Role::Refused: why, for the client

    bool isRefused() const { return role == Role::Refused; }
    bool seesEveryUser() const { return role == Role::Open || role == Role::Admin; }
    // Whether this client may act on a session of `owner`.
    bool mayAccess(const QString &owner) const { return seesEveryUser() || owner == userId; }
};
