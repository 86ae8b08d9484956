#pragma once

#include <QException>
#include <QString>

// The exception a failed storage QFuture carries: what went wrong, in words a user can act on
// (bad URL, unreachable server, failed migration, database unavailable, …).
class StorageError : public QException {
public:
    explicit StorageError(const QString &message);

    QString message() const;
    const char *what() const noexcept override;

    void raise() const override;
    StorageError *clone() const override;

private:
    QString m_message;
    QByteArray m_what;
};
