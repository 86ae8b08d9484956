#pragma once

#include <QString>

// What claiming a stored session for this instance found (SessionOwnership::claim): who owned
// it before, and whether that instance may still hold it live, in which case this one waits
// for its release (a `session_end` event after lastEventId) before reading the session's memory.
struct SessionClaim {
    QString previousOwner;  // another instance; empty when none, or this one
    bool mustWait = false;  // the previous owner's lease is alive and the session was live there
    qint64 lastEventId = 0; // the session's newest event when it was claimed
};
