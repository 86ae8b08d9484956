#pragma once

#include <QByteArray>
#include <QByteArrayView>

// Hands Qt 6.4's QWebSocket each fragmented text message as one frame. Qt decodes the UTF-8 of
// every frame on its own, so a character split across two fragments of a message (valid, RFC
// 6455 section 5.6) is closed with 1007; joined, the message is one valid frame. Every other
// frame passes unchanged, byte for byte, as it arrives; control frames between the fragments pass
// at once, ahead of the joined message (section 5.4 allows them there). A message that grows
// over the message limit while it is being joined is passed as it came, for Qt to refuse (1009);
// so is one that breaks the fragmentation rules, for Qt to refuse (1002).
//
// A pure state machine over the bytes a client sends after the upgrade.
class WebSocketTextJoiner {
public:
    // The bytes Qt should read for `bytes`, in order (held back while a message is joined).
    QByteArray feed(QByteArrayView bytes);
    // Qt's own message limit (QWebSocket::maxAllowedIncomingMessageSize).
    void setMaxMessageBytes(qint64 bytes) { m_maxMessageBytes = bytes; }
    bool isJoining() const { return m_joining; }

private:
    enum class Mode { Pass, Join };

    qsizetype headerSize() const; // of the frame whose first bytes are in m_head
    void frameStarts(QByteArray &out);
    void frameEnds(QByteArray &out);
    void giveUpJoining(QByteArray &out);

    QByteArray m_head; // the current frame's header, as far as it has arrived
    bool m_inPayload = false;
    quint64 m_payloadLeft = 0;
    quint64 m_payloadDone = 0; // of the current frame: for its mask
    Mode m_mode = Mode::Pass;
    bool m_final = false;
    char m_key[4] = {};

    bool m_joining = false;
    QByteArray m_held;   // the message's frames as they came
    QByteArray m_joined; // their payloads, unmasked
    char m_messageKey[4] = {};
    qint64 m_maxMessageBytes = 1 << 20;
};
