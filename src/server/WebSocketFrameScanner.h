#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

// Follows the frames a WebSocket client sends, byte by byte as they arrive, to find what Qt 6.4's
// QWebSocket lets through although RFC 6455 forbids it: a client frame that is not masked
// (§5.1: the server must close the connection). Only the frame headers are looked at; Qt still
// parses and validates everything else. A pure state machine.
class WebSocketFrameScanner {
public:
    // The next bytes of the stream, in order. Returns why the connection must be closed with
    // 1002 (and keeps returning it), or an empty string while nothing is wrong.
    QString feed(QByteArrayView bytes);

    const QString &error() const { return m_error; }

private:
    enum class Part { Header, Length16, Length64, Mask, Payload };

    void partDone();

    Part m_part = Part::Header;
    QByteArray m_partBytes;
    qsizetype m_partSize = 2;
    quint64 m_payloadLeft = 0;
    QString m_error;
};
