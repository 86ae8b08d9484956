#pragma once

#include "core/Event.h"

#include <QJsonDocument>
#include <QString>
#include <optional>

// How the console writes the parts of an event, in the transcript and in exported Markdown.
namespace EventText {

QString timeOf(const Event &event); // HH:mm:ss UTC; empty for an event without a time
// Tool arguments and results are stored as the JSON text given to the model: rewritten in
// `format` when it is JSON (trimmed), nullopt when it is not.
std::optional<QString> asJson(const QString &text, QJsonDocument::JsonFormat format);
// Indented when it is JSON, else as it is.
QString indentedJson(const QString &text);

} // namespace EventText
