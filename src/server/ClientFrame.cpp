#include "server/ClientFrame.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

ClientFrame ClientFrame::parse(const QString &frame, int maxMessageBytes) {
    const QByteArray utf8 = frame.toUtf8();
    const qsizetype bytes = utf8.size();
    if (bytes > maxMessageBytes) {
        return {Kind::TooLarge,
                {},
                u"the message has %1 bytes, more than the limit of %2 bytes; "
                "send a shorter message"_s.arg(bytes)
                    .arg(maxMessageBytes)};
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(utf8, &parseError);
    const QJsonObject command = document.isObject() ? document.object() : QJsonObject();
    const QString type = command.value(u"type"_s).toString();
    QString text = frame;
    if (type == u"ping")
        return {Kind::Ping, {}, {}};
    if (type == u"cancel")
        return {Kind::Cancel, {}, {}};
    if (type == u"regenerate")
        return {Kind::Regenerate, {}, {}};
    if (type == u"message" || type == u"edit") {
        const QJsonValue value = command.value(u"text"_s);
        if (!value.isString()) {
            return {Kind::BadRequest,
                    {},
                    u"%1 command needs a string field \"text\", as in "
                    "{\"type\":\"%2\",\"text\":\"Hello\"}"_s.arg(
                        type == u"edit" ? u"an edit"_s : u"a message"_s, type)};
        }
        text = value.toString();
    }
    if (text.trimmed().isEmpty())
        return {Kind::BadRequest, {}, u"the message is empty; type something to send"_s};
    return {type == u"edit" ? Kind::Edit : Kind::Message, text, {}};
}
