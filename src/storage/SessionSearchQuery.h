#pragma once

#include <QDateTime>
#include <QString>

// What Database::searchSessions() looks for: sessions whose user or assistant messages, title
// or summary hold every word of `text` (each word also matches as the start of a longer one),
// newest first, at most `limit`, only those that started strictly before `before` when it is
// valid. The text is data, never query syntax: quotes, operators and `*` are searched as the
// words they contain.
struct SessionSearchQuery {
    static constexpr int kMaxTextLength = 200; // characters; longer queries are refused
    static constexpr int kMaxLimit = 50;

    QString text;
    QString userId; // empty: every user
    int limit = 20; // clamped to 1..kMaxLimit
    QDateTime before;
};
