#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <QtGlobal>

// One message of the program's own log, as the message handler received it.
struct LogLine {
    QDateTime time; // UTC
    QtMsgType type = QtDebugMsg;
    QString category;
    QString message;
};
Q_DECLARE_METATYPE(LogLine)
