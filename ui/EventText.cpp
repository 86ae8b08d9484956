#include "ui/EventText.h"

#include <QJsonParseError>

using namespace Qt::StringLiterals;

namespace EventText {

QString timeOf(const Event &event) {
    return event.createdAt.isValid() ? event.createdAt.toUTC().toString(u"HH:mm:ss"_s) : QString();
}

std::optional<QString> asJson(const QString &text, QJsonDocument::JsonFormat format) {
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || document.isNull())
        return std::nullopt;
    return QString::fromUtf8(document.toJson(format)).trimmed();
}

QString indentedJson(const QString &text) {
    return asJson(text, QJsonDocument::Indented).value_or(text);
}

} // namespace EventText
