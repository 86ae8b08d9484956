#pragma once

#include "core/ChatMessage.h"

#include <QJsonArray>
#include <QList>
#include <QMap>

// Assembles the `tool_calls` deltas of a streamed response into complete calls. Deltas are keyed
// by `index` (several calls per response, each call's arguments split across many chunks); id and
// name usually come with the first delta of a call, arguments are concatenated.
class ToolCallAssembler {
public:
    void add(const QJsonArray &toolCallDeltas);

    bool isEmpty() const;
    // The calls in index order. A call without an id gets a generated one (the follow-up tool
    // message must reference it); empty arguments become "{}". Arguments are not validated.
    QList<ToolCall> calls() const;
    void clear();

private:
    QMap<int, ToolCall> m_calls;
    mutable QMap<int, QString> m_generatedIds; // stable across calls()
};
