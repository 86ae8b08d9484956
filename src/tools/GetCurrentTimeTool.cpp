#include "tools/GetCurrentTimeTool.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>

using namespace Qt::StringLiterals;

namespace {

QString offsetText(int seconds) {
    const QChar sign = seconds < 0 ? u'-' : u'+';
    seconds = std::abs(seconds);
    return u"%1%2:%3"_s.arg(sign)
        .arg(seconds / 3600, 2, 10, QChar(u'0'))
        .arg(seconds % 3600 / 60, 2, 10, QChar(u'0'));
}

} // namespace

QString GetCurrentTimeTool::name() const {
    return u"get_current_time"_s;
}

QString GetCurrentTimeTool::description() const {
    return u"Get the current date and time in a time zone. Use an IANA time zone name such as "
           "\"Europe/Berlin\", \"America/New_York\" or \"Asia/Tokyo\"; the default is UTC."_s;
}

QJsonObject GetCurrentTimeTool::parametersSchema() const {
    return QJsonObject{
        {u"type"_s, u"object"_s},
        {u"properties"_s,
         QJsonObject{
             {u"timezone"_s,
              QJsonObject{{u"type"_s, u"string"_s},
                          {u"minLength"_s, 1},
                          {u"maxLength"_s, 64},
                          {u"description"_s,
                           u"IANA time zone name, e.g. \"Europe/Berlin\"; default \"UTC\""_s}}}}},
        {u"additionalProperties"_s, false},
    };
}

QTimeZone GetCurrentTimeTool::findZone(const QString &id) {
    const QByteArray exact = id.trimmed().toUtf8();
    if (exact.compare("UTC", Qt::CaseInsensitive) == 0 ||
        exact.compare("Z", Qt::CaseInsensitive) == 0)
        return QTimeZone::utc();
    if (QTimeZone::isTimeZoneIdAvailable(exact))
        return QTimeZone(exact);
    for (const QByteArray &available : QTimeZone::availableTimeZoneIds()) {
        if (available.compare(exact, Qt::CaseInsensitive) == 0)
            return QTimeZone(available);
    }
    return {};
}

ToolResult GetCurrentTimeTool::timeAt(const QJsonObject &arguments, const QDateTime &now) {
    const QString requested = arguments.value(u"timezone"_s).toString(u"UTC"_s).trimmed();
    const QTimeZone zone = findZone(requested);
    if (!zone.isValid()) {
        // Suggest zones whose name contains what was asked, e.g. "Berlin" → Europe/Berlin.
        QStringList suggestions;
        const QString needle = requested.section(u'/', -1).replace(u' ', u'_');
        for (const QByteArray &available : QTimeZone::availableTimeZoneIds()) {
            const QString candidate = QString::fromUtf8(available);
            if (!needle.isEmpty() && candidate.contains(needle, Qt::CaseInsensitive) &&
                suggestions.size() < 5)
                suggestions << candidate;
        }
        QString message =
            u"unknown time zone \"%1\"; use an IANA time zone name such as \"Europe/Berlin\", "
            "\"America/New_York\" or \"UTC\""_s.arg(requested);
        if (!suggestions.isEmpty())
            message += u" (did you mean: %1?)"_s.arg(suggestions.join(u", "_s));
        return ToolResult::failure(message);
    }
    const QDateTime local = now.toTimeZone(zone);
    const int offset = zone.offsetFromUtc(now);
    return ToolResult::success(QJsonObject{
        {u"timezone"_s, QString::fromUtf8(zone.id())},
        {u"datetime"_s, QString(local.toString(u"yyyy-MM-ddTHH:mm:ss"_s) + offsetText(offset))},
        {u"date"_s, local.toString(u"yyyy-MM-dd"_s)},
        {u"time"_s, local.toString(u"HH:mm:ss"_s)},
        {u"day_of_week"_s, QLocale(QLocale::English).dayName(local.date().dayOfWeek())},
        {u"utc_offset"_s, offsetText(offset)},
        {u"abbreviation"_s, zone.abbreviation(now)},
        {u"is_dst"_s, zone.isDaylightTime(now)},
        {u"utc"_s, now.toUTC().toString(Qt::ISODate)},
        {u"unix_time"_s, static_cast<double>(now.toSecsSinceEpoch())},
    });
}

QFuture<ToolResult> GetCurrentTimeTool::invoke(const QJsonObject &arguments) {
    return QtFuture::makeReadyFuture(timeAt(arguments, QDateTime::currentDateTimeUtc()));
}
