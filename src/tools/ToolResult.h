#pragma once

#include <QJsonValue>
#include <QMetaType>
#include <QString>

// What a tool call produced: a JSON value when it worked, a message the model can act on when not.
struct ToolResult {
    bool ok = false;
    QJsonValue value; // result (ok)
    QString error;    // message (not ok)

    static ToolResult success(const QJsonValue &value);
    static ToolResult failure(const QString &error);

    // The JSON text given to the model as the tool message: an object result as is, any other
    // result as {"result": value}, an error as {"error": message}.
    QString toModelText() const;

    bool operator==(const ToolResult &) const = default;
};
Q_DECLARE_METATYPE(ToolResult)
