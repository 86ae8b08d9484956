#pragma once

#include <QString>

// A session's short title: made from its first user message, then from its summary, or given
// by the user (who may rename it: a user's title is never replaced).
namespace SessionTitle {

// Titles made from text have at most this many characters (an ellipsis included).
inline constexpr int kAutoLength = 60;
// A title given by the user: 1 to kMaxLength characters after trimming.
inline constexpr int kMaxLength = 120;

// Where a stored title came from (sessions.title_source).
inline const QString kFromMessage = QStringLiteral("message");
inline const QString kFromSummary = QStringLiteral("summary");
inline const QString kFromUser = QStringLiteral("user");

// The text with its whitespace runs made single spaces and trimmed, cut to kAutoLength
// characters at a word boundary (with "…") when longer. Empty for blank text.
QString fromText(const QString &text);
// fromText() of the summary's first sentence (without a leading "Summary:").
QString fromSummary(const QString &summary);
// The title a user asked for, trimmed and with its whitespace runs made single spaces; a null
// string, and `error` saying why, when it is empty, longer than kMaxLength or holds a control
// character.
QString fromUser(const QString &title, QString *error);

} // namespace SessionTitle
