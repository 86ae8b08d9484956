#pragma once

#include <QLoggingCategory>
#include <QString>

// One logging category per layer; filter with QT_LOGGING_RULES or --log-level.
Q_DECLARE_LOGGING_CATEGORY(lcApp)
Q_DECLARE_LOGGING_CATEGORY(lcConfig)
Q_DECLARE_LOGGING_CATEGORY(lcStorage)
Q_DECLARE_LOGGING_CATEGORY(lcLlm)
Q_DECLARE_LOGGING_CATEGORY(lcLocalModel)
Q_DECLARE_LOGGING_CATEGORY(lcTools)
Q_DECLARE_LOGGING_CATEGORY(lcChat)
Q_DECLARE_LOGGING_CATEGORY(lcServer)
Q_DECLARE_LOGGING_CATEGORY(lcUi)

namespace Logging {

// Accepted levels, most to least verbose: debug, info, warning, critical.
bool isValidLevel(const QString &level);

// Enables messages of `level` and above in every rtai.* category, and installs a one-line
// message pattern (time, level, category, message) suitable for stderr and journald.
void configure(const QString &level);

} // namespace Logging
