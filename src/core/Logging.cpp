#include "core/Logging.h"

#include <QStringList>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcApp, "rtai.app")
Q_LOGGING_CATEGORY(lcConfig, "rtai.config")
Q_LOGGING_CATEGORY(lcStorage, "rtai.storage")
Q_LOGGING_CATEGORY(lcLlm, "rtai.llm")
Q_LOGGING_CATEGORY(lcLocalModel, "rtai.localmodel")
Q_LOGGING_CATEGORY(lcTools, "rtai.tools")
Q_LOGGING_CATEGORY(lcChat, "rtai.chat")
Q_LOGGING_CATEGORY(lcServer, "rtai.server")
Q_LOGGING_CATEGORY(lcUi, "rtai.ui")

namespace {
const QStringList kLevels = {u"debug"_s, u"info"_s, u"warning"_s, u"critical"_s};
}

namespace Logging {

bool isValidLevel(const QString &level) {
    return kLevels.contains(level.toLower());
}

void configure(const QString &level) {
    const qsizetype threshold = qMax<qsizetype>(0, kLevels.indexOf(level.toLower()));
    QStringList rules;
    for (qsizetype i = 0; i < kLevels.size(); ++i)
        rules << u"rtai.*.%1=%2"_s.arg(kLevels.at(i), i >= threshold ? u"true" : u"false");
    QLoggingCategory::setFilterRules(rules.join(u'\n'));
    qSetMessagePattern(
        u"%{time yyyy-MM-ddThh:mm:ss.zzz} "
        "%{if-debug}DEBUG%{endif}%{if-info}INFO %{endif}%{if-warning}WARN %{endif}"
        "%{if-critical}CRIT %{endif}%{if-fatal}FATAL%{endif} %{category}: %{message}"_s);
}

} // namespace Logging
