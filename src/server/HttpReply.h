#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

// One HTTP/1.1 answer of the server, written to the socket whole.
struct HttpReply {
    int status = 200;
    QByteArray contentType;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;

    static HttpReply json(int status, const QJsonObject &body);
    // {"error":{"code","message"}} (PROTOCOL.md).
    static HttpReply error(int status, const QString &code, const QString &message);

    // Status line, headers (Content-Length but for 204; JSON is not cached) and body.
    QByteArray serialize() const;
};
