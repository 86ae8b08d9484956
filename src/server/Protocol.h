#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QUuid>

struct TurnOutcome;

// The wire formats of PROTOCOL.md in one place: the server's WebSocket frames, its close codes,
// the error codes it adds, and the JSON envelope of its HTTP answers. The stored records
// (sessions, events, history messages) are core/RecordJson's, which the console's exporter shares.
namespace Protocol {

enum CloseCode : int {
    CloseNormal = 1000,
    CloseGoingAway = 1001,
    CloseProtocolError = 1002,
    ClosePolicy = 1008,
    CloseTooBig = 1009,
    CloseInternal = 1011,
    CloseReplaced = 4000,
    CloseTooSlow = 4008,
    CloseBadRequest = 4400,
    CloseForbidden = 4403,
    CloseTooManyConnections = 4429,
};

// Error codes the server gives itself; the chat layer adds the LLM and tool ones (TurnOutcome).
namespace Error {
inline const QString BadRequest = QStringLiteral("bad_request");
inline const QString Busy = QStringLiteral("busy");
inline const QString TooLarge = QStringLiteral("too_large");
inline const QString NotFound = QStringLiteral("not_found");
inline const QString MethodNotAllowed = QStringLiteral("method_not_allowed");
inline const QString Unauthorized = QStringLiteral("unauthorized");
inline const QString Forbidden = QStringLiteral("forbidden");
inline const QString Conflict = QStringLiteral("conflict");
inline const QString NotReady = QStringLiteral("not_ready");
inline const QString UpgradeRequired = QStringLiteral("upgrade_required");
inline const QString DatabaseUnavailable = QStringLiteral("database_unavailable");
inline const QString HostNotAllowed = QStringLiteral("host_not_allowed");
inline const QString OriginNotAllowed = QStringLiteral("origin_not_allowed");
inline const QString RequestTimeout = QStringLiteral("request_timeout");
inline const QString TooManyConnections = QStringLiteral("too_many_connections");
inline const QString RateLimited = QStringLiteral("rate_limited");
inline const QString HeadersTooLarge = QStringLiteral("headers_too_large");
inline const QString NotImplemented = QStringLiteral("not_implemented");
inline const QString HttpVersionNotSupported = QStringLiteral("http_version_not_supported");
} // namespace Error

QJsonObject sessionFrame(const QUuid &sessionId, const QString &userId, bool resumed,
                         const QString &model, int maxMessageBytes);
QJsonObject historyFrame(const QJsonArray &messages);
QJsonObject contentFrame(const QString &text);
QJsonObject toolStartFrame(const QString &callId, const QString &tool,
                           const QJsonObject &arguments);
QJsonObject toolEndFrame(const QString &callId, const QString &tool, bool ok,
                         const QJsonValue &result);
QJsonObject pongFrame();
// retry_after (whole seconds, rounded up, like HTTP's Retry-After) only when retryable and known.
QJsonObject errorFrame(const QString &code, const QString &message, bool retryable = false,
                       qint64 retryAfterMs = -1);
QJsonObject doneFrame(const TurnOutcome &outcome);

// The admin event feed (/api/admin/events): `frame` (one of the above) for one session.
QJsonObject forSession(QJsonObject frame, const QUuid &sessionId);
// The first frame of the feed: the live sessions ({session_id, user_id} each) and whether
// remote control is on.
QJsonObject adminHelloFrame(const QJsonArray &liveSessions, bool remoteControl);
QJsonObject sessionOpenedFrame(const QUuid &sessionId, const QString &userId);
QJsonObject sessionClosedFrame(const QUuid &sessionId);
// A session live before the feed relayed it: its turns follow from here on.
QJsonObject followingFrame(const QUuid &sessionId);
QJsonObject turnStartedFrame(const QUuid &sessionId, const QString &userText);
QJsonObject eventFrame(const QUuid &sessionId, const QJsonObject &storedEvent);

// An HTTP error body: {"error":{"code","message"}}.
QJsonObject errorBody(const QString &code, const QString &message);

QByteArray compact(const QJsonObject &object);

} // namespace Protocol
