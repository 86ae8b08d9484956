#pragma once

#include <QString>

// Qt's Markdown reader (md4c) lets a table start only after a blank line, while GitHub, marked
// and the LLMs that write for them put it right under a line of text ("Here are the rates:").
namespace MarkdownTables {

// The Markdown with a blank line inserted above each table that follows a line of text
// (outside code fences); anything else is left as it is.
QString separate(const QString &markdown);

} // namespace MarkdownTables
