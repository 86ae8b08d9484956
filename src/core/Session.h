#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <QUuid>

// One row of `sessions`, plus the number of user and assistant messages it holds.
struct Session {
    QUuid id;
    QString userId;
    QDateTime startTime;
    QDateTime endTime; // invalid while the session is active
    QString summary;   // empty until summarized
    qint64 messageCount = 0;
    int summaryAttempts = 0; // failed summary attempts since the session last ended
    QString title;           // empty until the first user message (core/SessionTitle)
    QString titleSource;     // SessionTitle::kFromMessage, kFromSummary or kFromUser; or empty

    bool isActive() const { return !endTime.isValid(); }
};
Q_DECLARE_METATYPE(Session)
