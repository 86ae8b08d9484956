#pragma once

#include "server/HostPolicy.h"
#include "server/HttpReply.h"
#include "server/OriginPolicy.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <optional>

class QHttpServerRequest;

// The first look at every request, before routing (HttpServer::handleRequest): a Host the
// server does not answer as (421; 400 when there is none), a WebSocket upgrade from a foreign
// page (403), and CORS preflights (204 for a configured origin, else 403). Pure: the decision
// and the answer, no sockets, no logging.
class RequestGuard {
public:
    // What the guard looks at in a request. Repeated headers are joined with ", ", so a second
    // Host or Origin makes the value invalid rather than being ignored.
    struct Request {
        std::optional<QByteArray> host;
        std::optional<QByteArray> origin;
        bool webSocket = false; // an upgrade to WebSocket
        bool preflight = false; // OPTIONS with Origin and Access-Control-Request-Method

        static Request from(const QHttpServerRequest &request);
    };

    struct Verdict {
        // Send this instead of routing the request: a refusal, or the answer to a preflight.
        std::optional<HttpReply> answer;
        // One line for the log when the request is refused (empty otherwise).
        QString logLine;
        // A configured origin the routed request's reply carries CORS headers for; empty: none.
        QByteArray corsOrigin;
    };

    RequestGuard() = default;
    RequestGuard(HostPolicy hosts, OriginPolicy origins);

    Verdict check(const Request &request) const;

    // The headers of a reply to a cross-origin request from a configured origin.
    static QList<QPair<QByteArray, QByteArray>> corsHeaders(const QByteArray &origin);

private:
    HostPolicy m_hosts;
    OriginPolicy m_origins;
};
