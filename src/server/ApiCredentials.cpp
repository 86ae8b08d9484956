#include "server/ApiCredentials.h"

#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace ApiCredentials {

namespace {

bool sameInConstantTime(const QByteArray &a, const QByteArray &b) {
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a.at(i) ^ b.at(i));
    return diff == 0;
}

} // namespace

QString presented(const QByteArray &authorizationHeader, const QUrl &url) {
    const QByteArray header = authorizationHeader.trimmed();
    if (header.size() > 7 && header.left(7).toLower() == "bearer ")
        return QString::fromUtf8(header.mid(7)).trimmed();
    return QUrlQuery(url).queryItemValue(u"token"_s, QUrl::FullyDecoded);
}

bool authorized(const QByteArray &authorizationHeader, const QUrl &url, const QString &expected) {
    if (expected.isEmpty())
        return true;
    return sameInConstantTime(presented(authorizationHeader, url).toUtf8(), expected.toUtf8());
}

} // namespace ApiCredentials
