#pragma once

#include "tools/ToolResult.h"

#include <QFuture>
#include <QJsonObject>
#include <QString>
#include <chrono>

// A function the model may call. The registry validates the arguments against
// parametersSchema() before invoke() runs, enforces timeout(), and turns exceptions and failed
// futures into error results, so a tool only has to do its job. invoke() is called on the main
// thread; a slow tool must not block it (return a future fulfilled later, e.g. QtConcurrent::run).
class Tool {
public:
    virtual ~Tool() = default;

    virtual QString name() const = 0;        // ^[a-zA-Z0-9_-]{1,64}$
    virtual QString description() const = 0; // what it does and when to use it, for the model
    virtual QJsonObject parametersSchema() const = 0; // JSON Schema (see JsonSchemaValidator)
    virtual std::chrono::milliseconds timeout() const { return std::chrono::seconds(10); }
    virtual QFuture<ToolResult> invoke(const QJsonObject &arguments) = 0;
};
