#include "server/OriginPolicy.h"

#include <QUrl>

using namespace Qt::StringLiterals;

OriginPolicy::OriginPolicy(const QStringList &ownNames, quint16 port,
                           const QStringList &allowedOrigins) {
    for (const QString &name : ownNames)
        for (const QString &scheme : {u"http"_s, u"https"_s})
            m_own.insert(normalize(u"%1://%2:%3"_s.arg(scheme, name).arg(port)));
    for (const QString &origin : allowedOrigins) {
        const QString normalized = normalize(origin.trimmed());
        if (!normalized.isEmpty())
            m_configured.insert(normalized);
    }
    m_own.remove(QString());
}

QString OriginPolicy::normalize(const QString &origin) {
    const QUrl url(origin, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != u"http" && scheme != u"https") || url.host().isEmpty() ||
        !url.userInfo().isEmpty() || (!url.path().isEmpty() && url.path() != u"/") ||
        url.hasQuery() || url.hasFragment())
        return {};
    const QString host = url.host().toLower();
    const QString bracketed = host.contains(u':') ? QString(u'[' + host + u']') : host;
    QString normalized = scheme + u"://"_s + bracketed;
    const int defaultPort = scheme == u"http" ? 80 : 443;
    if (url.port() != -1 && url.port() != defaultPort)
        normalized += u':' + QString::number(url.port());
    return normalized;
}

bool OriginPolicy::allowsWebSocket(const std::optional<QByteArray> &origin,
                                   const std::optional<QByteArray> &host) const {
    if (!origin)
        return true;
    const QString normalized = normalize(QString::fromLatin1(*origin));
    if (normalized.isEmpty())
        return false;
    if (m_own.contains(normalized) || m_configured.contains(normalized))
        return true;
    if (!host || host->trimmed().isEmpty())
        return false;
    const QString hostText = QString::fromLatin1(host->trimmed());
    return normalized == normalize(u"http://"_s + hostText) ||
           normalized == normalize(u"https://"_s + hostText);
}

bool OriginPolicy::isConfigured(const QByteArray &origin) const {
    const QString normalized = normalize(QString::fromLatin1(origin));
    return !normalized.isEmpty() && m_configured.contains(normalized);
}
