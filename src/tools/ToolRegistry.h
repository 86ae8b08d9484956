#pragma once

#include "core/ChatMessage.h"
#include "tools/Tool.h"

#include <QFuture>
#include <QJsonArray>
#include <QObject>
#include <QStringList>
#include <memory>
#include <vector>

// The tools offered to the model, and the one place their calls run. Lives on the main thread.
class ToolRegistry : public QObject {
    Q_OBJECT

public:
    explicit ToolRegistry(QObject *parent = nullptr);
    ~ToolRegistry() override;

    // A tool with the name of an existing one replaces it; an invalid name is refused (logged).
    void add(std::unique_ptr<Tool> tool);
    void addBuiltinTools(); // calculate_shipping, calculator, get_current_time

    QJsonArray openAiTools() const; // [{type:function, function:{name, description, parameters}}]
    QStringList names() const;      // in the order they were added
    Tool *tool(const QString &name) const;

    // Never fails and never throws: unknown tool, bad JSON, schema violations, timeouts, thrown
    // exceptions, failed or cancelled futures all become ToolResult{ok=false} with a message the
    // model can act on. A result that arrives after the timeout is ignored.
    QFuture<ToolResult> invoke(const ToolCall &call);

private:
    std::vector<std::unique_ptr<Tool>> m_tools;
};
