#include "tools/ToolResult.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

ToolResult ToolResult::success(const QJsonValue &value) {
    return {true, value, {}};
}

ToolResult ToolResult::failure(const QString &error) {
    return {false, {}, error};
}

QString ToolResult::toModelText() const {
    const QJsonObject object = !ok                ? QJsonObject{{u"error"_s, error}}
                               : value.isObject() ? value.toObject()
                                                  : QJsonObject{{u"result"_s, value}};
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}
