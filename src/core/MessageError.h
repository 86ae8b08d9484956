#pragma once

#include <QByteArray>
#include <QException>
#include <QString>

// An exception a failed QFuture carries, with a message a user can act on. Subclasses name the
// layer it comes from (StorageError, SummaryError) and override raise() and clone() so the type
// survives the trip through QFuture.
class MessageError : public QException {
public:
    explicit MessageError(const QString &message);

    QString message() const;
    const char *what() const noexcept override;

    void raise() const override;
    MessageError *clone() const override;

private:
    QString m_message;
    QByteArray m_what;
};
