#pragma once

#include "storage/WriteOp.h"

#include <QPromise>
#include <functional>
#include <memory>
#include <optional>

class SessionStore;

// One entry of the database thread's queue: a write (batched with its neighbours) or a job
// (a read, a delete, a flush) that runs once every write before it is committed.
struct DatabaseTask {
    std::optional<WriteOp> write;
    // Write: finished once the write is committed; failed when the database rejects it.
    std::shared_ptr<QPromise<void>> committed;
    // Job: runs on the database thread; may throw SqlFailure.
    std::function<void(SessionStore &)> run;
    // Job: completes its promise with an error.
    std::function<void(const QString &message)> fail;
    // Job: waits while the database is unavailable instead of failing at once (flush).
    bool waitsForConnection = false;
};
