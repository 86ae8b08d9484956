#pragma once

#include "storage/SessionMatch.h"

#include <QDateTime>
#include <QList>

// One page of Database::searchSessions(). Pass `nextBefore` as SessionSearchQuery::before for
// the next page; it is invalid when there are no more matches.
struct SessionSearchPage {
    QList<SessionMatch> matches;
    QDateTime nextBefore;
};
