#include "llm/LlmReplyFormat.h"

#include <QNetworkReply>
#include <QNetworkRequest>

namespace {

constexpr qsizetype maxErrorBodyBytes = 64 * 1024;
constexpr qsizetype maxJsonBodyBytes = 16 * 1024 * 1024;

} // namespace

LlmReplyFormat LlmReplyFormat::of(int status, const QByteArray &contentType) {
    const QByteArray type = contentType.toLower();
    if (status / 100 != 2)
        return {Kind::Error, maxErrorBodyBytes};
    if (type.startsWith("application/json"))
        return {Kind::Json, maxJsonBodyBytes};
    if (type.startsWith("text/html"))
        return {Kind::WebPage, maxErrorBodyBytes};
    return {Kind::EventStream, 0};
}

LlmReplyFormat LlmReplyFormat::of(const QNetworkReply &reply) {
    return of(statusOf(reply), reply.header(QNetworkRequest::ContentTypeHeader).toByteArray());
}

int LlmReplyFormat::statusOf(const QNetworkReply &reply) {
    return reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}
