#pragma once

#include <QByteArray>
#include <QJsonObject>

// The JSON envelope of the server's answers (the record shapes are core/RecordJson's).
namespace JsonFormat {

// {"error":{"code","message"}}
QJsonObject error(const QString &code, const QString &message);

QByteArray compact(const QJsonObject &object);

} // namespace JsonFormat
