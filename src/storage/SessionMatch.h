#pragma once

#include "core/Session.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <utility>

// A session found by Database::searchSessions(), with a short piece of the text that matched
// and where in it the matched words are (start and length, in UTF-16 units of `snippet`).
struct SessionMatch {
    Session session;
    QString snippet;
    QList<std::pair<qsizetype, qsizetype>> highlights;
};
Q_DECLARE_METATYPE(SessionMatch)
