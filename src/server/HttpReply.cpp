#include "server/HttpReply.h"

#include "server/Protocol.h"

namespace {

const QByteArray kJson = QByteArrayLiteral("application/json");

QByteArray statusText(int status) {
    switch (status) {
    case 200:
        return QByteArrayLiteral("OK");
    case 204:
        return QByteArrayLiteral("No Content");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 409:
        return QByteArrayLiteral("Conflict");
    case 421:
        return QByteArrayLiteral("Misdirected Request");
    case 426:
        return QByteArrayLiteral("Upgrade Required");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 505:
        return QByteArrayLiteral("HTTP Version Not Supported");
    default:
        return QByteArrayLiteral("Status");
    }
}

} // namespace

HttpReply HttpReply::json(int status, const QJsonObject &body) {
    return {status, kJson, Protocol::compact(body), {}};
}

HttpReply HttpReply::error(int status, const QString &code, const QString &message) {
    return json(status, Protocol::errorBody(code, message));
}

QByteArray HttpReply::serialize() const {
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusText(status) + "\r\n";
    if (!contentType.isEmpty())
        head += "Content-Type: " + contentType + "\r\n";
    if (status != 204) // RFC 9110: a 204 has no content and no Content-Length
        head += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    if (contentType == kJson)
        head += "Cache-Control: no-store\r\n";
    for (const auto &[name, value] : headers)
        head += name + ": " + value + "\r\n";
    return head + "\r\n" + body;
}
