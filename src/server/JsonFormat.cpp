#include "server/JsonFormat.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace JsonFormat {

QJsonObject error(const QString &code, const QString &message) {
    return {{u"error"_s, QJsonObject{{u"code"_s, code}, {u"message"_s, message}}}};
}

QByteArray compact(const QJsonObject &object) {
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace JsonFormat
