#pragma once

#include <QSqlError>
#include <QString>

// Thrown by SessionStore when a statement fails; DatabaseWorker decides whether the write is
// retried after a reconnect or the read fails.
struct SqlFailure {
    QSqlError error;
    QString what; // which operation failed, for the log

    QString message() const { return what + QStringLiteral(": ") + error.text(); }
};
