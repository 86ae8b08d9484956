#pragma once

#include "tools/Tool.h"

#include <QTimeZone>

// get_current_time: the current date and time in an IANA time zone (default UTC), via QTimeZone.
class GetCurrentTimeTool : public Tool {
public:
    QString name() const override;
    QString description() const override;
    QJsonObject parametersSchema() const override;
    QFuture<ToolResult> invoke(const QJsonObject &arguments) override;

    // The zone for an IANA id, matched case-insensitively; invalid if unknown.
    static QTimeZone findZone(const QString &id);
    // The result for `now` in the zone named by the arguments (for tests).
    static ToolResult timeAt(const QJsonObject &arguments, const QDateTime &now);
};
