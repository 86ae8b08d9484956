#pragma once

#include "server/ClientIdentity.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QUrl>
#include <QUuid>
#include <memory>

class Authenticator;
class ClientFrame;
class Conversation;
class UsageLimits;
class MetricsRegistry;
class QTimer;
class QWebSocket;
struct TurnOutcome;

// One WebSocket connection of the session protocol (PROTOCOL.md): reads the client's frames
// (ClientFrame says what each one asks for), forwards them to the Conversation it is attached to
// and turns the Conversation's signals into frames. The Conversation outlives it; SessionManager
// decides which socket serves which session.
class SessionSocket : public QObject {
    Q_OBJECT

public:
    struct Limits {
        int maxMessageBytes = 32 * 1024; // larger messages get error too_large
        qint64 hardFrameBytes = 1 << 20; // larger frames or messages: close 1009 (by QWebSocket)
        // Output not yet sent: Qt's socket buffer (bytesToWrite) plus the content text held for
        // the next frame. Over this when more comes: close CloseTooSlow, and the turn stops.
        qint64 maxBufferedBytes = 256 * 1024;
        // While more than this waits in Qt's socket buffer the client is behind: content pieces
        // are held and sent as one frame once it drains.
        qint64 coalesceAboveBytes = 16 * 1024;
        int maxPendingFrames = 16; // frames held until the session is attached
        // SessionManager: how often live sessions are compared with open connections.
        int consistencyCheckMs = 30000;
    };
    // `peer`: the client's address:port, as it was when the connection was accepted.
    SessionSocket(std::unique_ptr<QWebSocket> socket, const QString &peer, const Limits &limits,
                  QObject *parent = nullptr);
    ~SessionSocket() override;

    // The session a /ws/session/{id} URL names; null when it names none.
    static QUuid sessionIdOf(const QUrl &requestUrl);

    // From the request URL /ws/session/{session_id}?user_id=…; null / empty when invalid, and
    // then requestError() says why.
    QUuid sessionId() const { return m_sessionId; }
    QString userId() const { return m_userId; }
    QString requestError() const { return m_requestError; }
    // Who the client is, by the credential of its upgrade request (open without an
    // authenticator).
    ClientIdentity identify(Authenticator *authenticator) const;
    // The URL names no user_id: the user of a verified token may stand in (assignUser).
    bool lacksUserId() const { return m_lacksUserId; }
    void assignUser(const QString &userId);
    QString peer() const { return m_peer; }
    // The connection is gone (closed() is emitted or about to be): serve nothing more on it.
    bool isGone() const { return m_closedEmitted; }
    // A context for callbacks that must not run once the connection is gone: destroyed the
    // moment it is (the SessionSocket itself lives a little longer, to report it).
    QObject *lifetime() const { return m_lifetime; }

    // Sends `session` (and `history` when resumed) and starts serving frames, including the ones
    // that arrived before.
    void attach(Conversation *conversation, bool resumed, const QString &model,
                const QJsonArray &history);
    bool isAttached() const { return !m_conversation.isNull(); }
    // Sends a close frame; the socket is aborted if the peer does not answer within 2 s.
    void closeWith(int code, const QString &reason);
    bool isClosing() const { return m_closing; }
    // closeWith() for a connection refused right after its upgrade, a moment later: a close frame
    // that arrives together with the 101 response makes Qt's client drop the handshake without
    // reporting the close code.
    void refuse(int code, const QString &reason);
    // From now on each user message must be admitted by `limits` (not owned), as one of
    // userId()'s from `address`, and each turn's LLM tokens are charged to userId(). A refused
    // message is answered with error rate_limited (retry_after) and the connection stays.
    void setUsageLimits(UsageLimits *limits, const QHostAddress &address);

Q_SIGNALS:
    // Emitted once when the connection is gone (the object deletes itself afterwards).
    void closed(int code, const QString &reason);
    // A message was refused by the usage limits; `limit` names which (UsageLimits::Refusal).
    void rateLimited(const QString &limit);

private:
    void onTextMessage(const QString &text);
    void onBinaryMessage(const QByteArray &data);
    void handleText(const QString &text);
    bool admitMessage(); // the usage limits let one more message through; else says why
    void replaceLastTurn(const ClientFrame &frame); // regenerate, edit
    void sendContent(const QString &text);
    void sendFrame(const QJsonObject &frame);
    void flushHeldText();
    void onBytesWritten();
    // Bytes of frames not sent yet: Qt's socket buffer and the held text (as UTF-8).
    qint64 bufferedBytes() const;
    void closeIfOver(qint64 buffered); // closes CloseTooSlow when `buffered` is over the cap
    void sendError(const QString &code, const QString &message, bool retryable = false,
                   qint64 retryAfterMs = -1);
    void onTurnFinished(const TurnOutcome &outcome);
    void onDisconnected();

    std::unique_ptr<QWebSocket> m_socket;
    QString m_peer;
    Limits m_limits;
    QUuid m_sessionId;
    QString m_userId;
    QString m_requestError;
    bool m_lacksUserId = false;
    QPointer<Conversation> m_conversation;
    UsageLimits *m_usage = nullptr;
    QHostAddress m_address;
    QStringList m_pending;
    QString m_heldText;     // content pieces waiting for the client to catch up
    qint64 m_heldBytes = 0; // their size in UTF-8
    QTimer *m_abortTimer = nullptr;
    QObject *m_lifetime;
    bool m_closing = false;
    bool m_closedEmitted = false;
};
