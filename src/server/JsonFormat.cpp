#include "server/JsonFormat.h"

#include <QJsonDocument>

namespace JsonFormat {

QJsonObject error(const QString &code, const QString &message) {
    return {{QStringLiteral("error"),
             QJsonObject{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}}}};
}

QByteArray compact(const QJsonObject &object) {
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace JsonFormat
