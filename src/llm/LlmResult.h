#pragma once

#include "core/ChatMessage.h"
#include "llm/LlmUsage.h"

#include <QList>
#include <QMetaType>
#include <QString>

// What one request produced (complete when finished, partial when failed).
struct LlmResult {
    QString content;
    QList<ToolCall> toolCalls; // complete calls, in index order; arguments are the raw JSON text
    QString finishReason;      // stop, length, tool_calls (always tool_calls when toolCalls is set)
    LlmUsage usage;
    QString model;      // as reported by the server, else the requested one
    qint64 ttftMs = -1; // from stream() to the first delta; -1: none arrived
    qint64 durationMs = 0;
};
Q_DECLARE_METATYPE(LlmResult)
