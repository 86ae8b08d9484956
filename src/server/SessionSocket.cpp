#include "server/SessionSocket.h"

#include "chat/Conversation.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "server/Authenticator.h"
#include "server/ClientFrame.h"
#include "server/Protocol.h"
#include "server/UsageLimits.h"

#include <QDeadlineTimer>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace {

constexpr int kAbortAfterCloseMs = 2000;
constexpr int kRefuseDelayMs = 100;
const QString kPathPrefix = u"/ws/session/"_s;

} // namespace

QUuid SessionSocket::sessionIdOf(const QUrl &requestUrl) {
    const QString path = requestUrl.path();
    return path.startsWith(kPathPrefix) ? Ids::parseSessionId(path.mid(kPathPrefix.size()))
                                        : QUuid();
}

SessionSocket::SessionSocket(std::unique_ptr<QWebSocket> socket, const QString &peer,
                             const Limits &limits, QObject *parent)
    : QObject(parent)
    , m_socket(std::move(socket))
    , m_peer(peer)
    , m_limits(limits)
    , m_lifetime(new QObject(this)) {
    m_socket->setParent(nullptr);
    m_socket->setMaxAllowedIncomingFrameSize(quint64(m_limits.hardFrameBytes));
    m_socket->setMaxAllowedIncomingMessageSize(quint64(m_limits.hardFrameBytes));

    const QUrl url = m_socket->requestUrl();
    const QString path = url.path();
    const QString userId = QUrlQuery(url).queryItemValue(u"user_id"_s, QUrl::FullyDecoded);
    if (!path.startsWith(kPathPrefix)) {
        m_requestError = u"unknown endpoint %1: connect to "
                         "/ws/session/{session_id}?user_id={user_id}"_s.arg(path);
    } else if (m_sessionId = sessionIdOf(url); m_sessionId.isNull()) {
        m_requestError = u"session_id must be a UUID such as "
                         "123e4567-e89b-12d3-a456-426614174000"_s;
    } else if (!Ids::isValidUserId(userId)) {
        m_requestError = u"user_id is required in the query string (1 to %1 printable "
                         "characters, UTF-8 percent-encoded)"_s.arg(Ids::kMaxUserIdLength);
        m_lacksUserId = !QUrlQuery(url).hasQueryItem(u"user_id"_s);
    } else {
        m_userId = userId;
    }

    connect(m_socket.get(), &QWebSocket::textMessageReceived, this, &SessionSocket::onTextMessage);
    connect(m_socket.get(), &QWebSocket::binaryMessageReceived, this,
            &SessionSocket::onBinaryMessage);
    connect(m_socket.get(), &QWebSocket::disconnected, this, &SessionSocket::onDisconnected);
    connect(m_socket.get(), &QWebSocket::bytesWritten, this, &SessionSocket::onBytesWritten);
    // A client that reset the connection right after the 101 may be gone before the connection
    // above was made: its disconnected() was emitted to nobody.
    if (m_socket->state() != QAbstractSocket::ConnectedState)
        onDisconnected();
}

SessionSocket::~SessionSocket() {
    if (m_socket)
        m_socket->disconnect(this);
}

ClientIdentity SessionSocket::identify(Authenticator *authenticator) const {
    if (!authenticator)
        return {};
    return authenticator->identify(m_socket->request().rawHeader("Authorization"),
                                   m_socket->requestUrl());
}

void SessionSocket::assignUser(const QString &userId) {
    if (!m_lacksUserId)
        return;
    m_lacksUserId = false;
    m_userId = userId;
    m_requestError.clear();
}

void SessionSocket::attach(Conversation *conversation, bool resumed, const QString &model,
                           const QJsonArray &history) {
    m_conversation = conversation;
    sendFrame(
        Protocol::sessionFrame(m_sessionId, m_userId, resumed, model, m_limits.maxMessageBytes));
    if (resumed)
        sendFrame(Protocol::historyFrame(history));

    connect(conversation, &Conversation::contentDelta, this, &SessionSocket::sendContent);
    connect(conversation, &Conversation::toolStarted, this,
            [this](const QString &callId, const QString &tool, const QJsonObject &arguments) {
                sendFrame(Protocol::toolStartFrame(callId, tool, arguments));
            });
    connect(conversation, &Conversation::toolFinished, this,
            [this](const QString &callId, const QString &tool, bool ok, const QJsonValue &result) {
                sendFrame(Protocol::toolEndFrame(callId, tool, ok, result));
            });
    connect(conversation, &Conversation::turnFinished, this, &SessionSocket::onTurnFinished);

    const QStringList pending = std::exchange(m_pending, {});
    for (const QString &text : pending)
        handleText(text);
}

void SessionSocket::closeWith(int code, const QString &reason) {
    if (m_closing || m_closedEmitted)
        return;
    m_closing = true;
    if (m_conversation)
        m_conversation->disconnect(this);
    qCInfo(lcServer).noquote() << "closing" << peer() << "session" << Ids::toText(m_sessionId)
                               << "code" << code << reason;
    flushHeldText();
    m_socket->close(QWebSocketProtocol::CloseCode(code), reason);
    m_abortTimer = new QTimer(this);
    m_abortTimer->setSingleShot(true);
    connect(m_abortTimer, &QTimer::timeout, this, [this] { m_socket->abort(); });
    m_abortTimer->start(kAbortAfterCloseMs);
}

void SessionSocket::setUsageLimits(UsageLimits *limits, const QHostAddress &address) {
    m_usage = limits;
    m_address = address;
}

void SessionSocket::refuse(int code, const QString &reason) {
    QTimer::singleShot(kRefuseDelayMs, this, [this, code, reason] { closeWith(code, reason); });
}

void SessionSocket::onTextMessage(const QString &text) {
    if (m_closing)
        return;
    if (!m_conversation) {
        if (m_pending.size() >= m_limits.maxPendingFrames)
            sendError(Protocol::Error::Busy,
                      u"the session is still opening and %1 frames are already "
                      "waiting; wait for the session frame before sending more"_s.arg(
                          m_limits.maxPendingFrames),
                      true);
        else
            m_pending.append(text);
        return;
    }
    handleText(text);
}

void SessionSocket::onBinaryMessage(const QByteArray &data) {
    if (m_closing)
        return;
    sendError(Protocol::Error::BadRequest,
              u"binary frames are not supported (%1 bytes ignored); send user "
              "messages as UTF-8 text frames"_s.arg(data.size()));
}

void SessionSocket::handleText(const QString &text) {
    const ClientFrame frame = ClientFrame::parse(text, m_limits.maxMessageBytes);
    switch (frame.kind()) {
    case ClientFrame::Kind::Ping:
        sendFrame(Protocol::pongFrame());
        break;
    case ClientFrame::Kind::Cancel:
        m_conversation->cancel();
        break;
    case ClientFrame::Kind::Message:
        if (!admitMessage())
            break;
        if (m_conversation->send(frame.text()) == Conversation::SendResult::Busy)
            sendError(Protocol::Error::Busy,
                      u"too many messages are waiting for an answer; wait for the "
                      "current replies (done frames) and send it again"_s,
                      true);
        break;
    case ClientFrame::Kind::Regenerate:
    case ClientFrame::Kind::Edit:
        replaceLastTurn(frame);
        break;
    case ClientFrame::Kind::TooLarge:
        sendError(Protocol::Error::TooLarge, frame.error());
        break;
    case ClientFrame::Kind::BadRequest:
        sendError(Protocol::Error::BadRequest, frame.error());
        break;
    }
}

bool SessionSocket::admitMessage() {
    const auto refusal =
        m_usage ? m_usage->admitMessage(m_userId, m_address, QDeadlineTimer::current().deadline())
                : std::nullopt;
    if (!refusal)
        return true;
    sendError(Protocol::Error::RateLimited, refusal->message, true, refusal->retryAfterMs);
    Q_EMIT rateLimited(refusal->limit);
    return false;
}

void SessionSocket::replaceLastTurn(const ClientFrame &frame) {
    const bool edit = frame.kind() == ClientFrame::Kind::Edit;
    const QString what = edit ? u"edit"_s : u"regenerate"_s;
    // Refusals come before the usage limits count it: nothing was asked of the model.
    switch (m_conversation->canReplaceLastTurn()) {
    case Conversation::ReplaceResult::Busy:
        sendError(Protocol::Error::Busy,
                  u"cannot %1 while a reply is being written or messages wait; send it again "
                  "after the last done frame"_s.arg(what),
                  true);
        return;
    case Conversation::ReplaceResult::NothingToReplace:
        sendError(Protocol::Error::BadRequest,
                  u"there is no message to %1 yet; send a message first"_s.arg(what));
        return;
    case Conversation::ReplaceResult::Started:
        break;
    }
    if (admitMessage())
        m_conversation->replaceLastTurn(edit ? frame.text() : QString());
}

void SessionSocket::sendContent(const QString &text) {
    if (m_closing || m_closedEmitted)
        return;
    // Pieces that wait concatenate to the same text, so a client that is behind gets one frame
    // for what it would have read as many.
    if (m_heldText.isEmpty() && m_socket->bytesToWrite() <= m_limits.coalesceAboveBytes) {
        sendFrame(Protocol::contentFrame(text));
        return;
    }
    m_heldText += text;
    m_heldBytes += text.toUtf8().size();
    closeIfOver(bufferedBytes());
}

void SessionSocket::sendFrame(const QJsonObject &frame) {
    if (m_closing || m_closedEmitted)
        return;
    // What waited before this frame: one frame larger than the cap (a long history) is sent to a
    // client that has read everything else.
    const qint64 backlog = bufferedBytes();
    flushHeldText(); // frames keep their order
    m_socket->sendTextMessage(QString::fromUtf8(Protocol::compact(frame)));
    closeIfOver(backlog);
}

void SessionSocket::flushHeldText() {
    if (m_heldText.isEmpty())
        return;
    const QString text = std::exchange(m_heldText, {});
    m_heldBytes = 0;
    m_socket->sendTextMessage(QString::fromUtf8(Protocol::compact(Protocol::contentFrame(text))));
}

void SessionSocket::onBytesWritten() {
    if (!m_closing && !m_closedEmitted && !m_heldText.isEmpty() &&
        m_socket->bytesToWrite() <= m_limits.coalesceAboveBytes)
        flushHeldText();
}

qint64 SessionSocket::bufferedBytes() const {
    return m_socket->bytesToWrite() + m_heldBytes;
}

void SessionSocket::closeIfOver(qint64 buffered) {
    if (buffered <= m_limits.maxBufferedBytes)
        return;
    qCWarning(lcServer).noquote() << "client" << peer() << "does not read:" << buffered
                                  << "bytes of output wait for it";
    m_heldText.clear();
    m_heldBytes = 0;
    const QPointer<Conversation> conversation = m_conversation;
    closeWith(Protocol::CloseTooSlow,
              u"client too slow: more than %1 bytes were waiting to be read"_s.arg(
                  m_limits.maxBufferedBytes));
    // The close frame waits behind everything unread: do not let it hold the memory.
    m_abortTimer->start(0);
    // Nobody will read the reply: stop generating it and the queued ones (they stay stored).
    if (conversation)
        conversation->cancelAll();
}

void SessionSocket::sendError(const QString &code, const QString &message, bool retryable,
                              qint64 retryAfterMs) {
    sendFrame(Protocol::errorFrame(code, message, retryable, retryAfterMs));
}

void SessionSocket::onTurnFinished(const TurnOutcome &outcome) {
    if (m_usage)
        m_usage->chargeTokens(m_userId, m_address,
                              outcome.usage.promptTokens + outcome.usage.completionTokens,
                              QDeadlineTimer::current().deadline());
    if (outcome.finishReason == u"error")
        sendError(outcome.errorCode, outcome.errorMessage, outcome.retryable, outcome.retryAfterMs);
    sendFrame(Protocol::doneFrame(outcome));
}

void SessionSocket::onDisconnected() {
    if (m_closedEmitted)
        return;
    m_closedEmitted = true;
    delete std::exchange(m_lifetime, nullptr);
    if (m_conversation)
        m_conversation->disconnect(this);
    m_conversation = nullptr;
    const int code = int(m_socket->closeCode());
    const QString reason = m_socket->closeReason();
    // Queued: QWebSocket::close() may disconnect synchronously, inside the caller's bookkeeping.
    QMetaObject::invokeMethod(
        this,
        [this, code, reason] {
            Q_EMIT closed(code, reason);
            deleteLater();
        },
        Qt::QueuedConnection);
}
