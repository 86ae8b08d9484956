#pragma once

#include <QException>
#include <QString>

// A summary could not be written (the LLM failed or answered nothing).
class SummaryError : public QException {
public:
    explicit SummaryError(const QString &message);
    QString message() const;
    void raise() const override;
    SummaryError *clone() const override;

private:
    QString m_message;
};
