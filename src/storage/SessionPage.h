#pragma once

#include "core/Session.h"

#include <QDateTime>
#include <QList>

// One page of Database::sessions(). Pass `nextBefore` as SessionQuery::before for the next page;
// it is invalid when there are no more sessions.
struct SessionPage {
    QList<Session> sessions;
    QDateTime nextBefore;
};
