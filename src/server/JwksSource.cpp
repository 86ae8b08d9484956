#include "server/JwksSource.h"

#include "core/FutureCallbacks.h"
#include "core/Logging.h"

#include <QDateTime>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

using namespace Qt::StringLiterals;

namespace {

struct FileRead {
    QByteArray bytes;
    QString error; // empty when read
};

// On a pool thread: a file on a slow or network disk must not hold the event loop.
FileRead readFile(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {{}, u"cannot read %1: %2"_s.arg(path, file.errorString())};
    return {file.read(JsonWebKeySet::kMaxBytes + 1), {}};
}

QUrl remoteUrl(const QString &location) {
    const QUrl url(location, QUrl::StrictMode);
    if (url.isValid() && (url.scheme() == u"http" || url.scheme() == u"https"))
        return url;
    return {};
}

} // namespace

JwksSource::JwksSource(const QString &location, QObject *parent)
    : QObject(parent)
    , m_location(location)
    , m_url(remoteUrl(location))
    , m_timer(new QTimer(this)) {
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &JwksSource::read);
    if (isRemote())
        m_network = new QNetworkAccessManager(this);
}

void JwksSource::start() {
    read();
}

void JwksSource::refreshSoon() {
    if (m_reply || m_readingFile)
        return;
    const qint64 sinceLast = QDateTime::currentMSecsSinceEpoch() - m_lastReadMs;
    if (m_lastReadMs >= 0 && sinceLast < m_settings.minRefreshIntervalMs) {
        const qint64 wait = m_settings.minRefreshIntervalMs - sinceLast;
        if (!m_timer->isActive() || m_timer->remainingTime() > wait)
            m_timer->start(int(wait));
        return;
    }
    read();
}

void JwksSource::read() {
    m_timer->stop();
    m_lastReadMs = QDateTime::currentMSecsSinceEpoch();
    if (!isRemote()) {
        readLocalFile();
        return;
    }
    if (m_reply)
        return;
    QNetworkRequest request(m_url);
    request.setTransferTimeout(m_settings.fetchTimeoutMs);
    request.setRawHeader("Accept", "application/json");
    m_reply = m_network->get(request);
    QNetworkReply *reply = m_reply;
    connect(reply, &QNetworkReply::downloadProgress, this, [reply](qint64 received, qint64) {
        if (received > JsonWebKeySet::kMaxBytes)
            reply->abort();
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply] { fetched(reply); });
}

void JwksSource::readLocalFile() {
    if (m_readingFile)
        return;
    m_readingFile = true;
    whenFinished(
        this, QtConcurrent::run(readFile, m_location),
        [this](const FileRead &read) {
            m_readingFile = false;
            if (read.error.isEmpty())
                accept(read.bytes);
            else
                fail(read.error);
        },
        [this](const QString &error) {
            m_readingFile = false;
            fail(u"cannot read %1: %2"_s.arg(m_location, error));
        });
}

void JwksSource::fetched(QNetworkReply *reply) {
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString url = m_url.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery);
    if (reply->error() == QNetworkReply::NoError && status == 200)
        accept(reply->readAll());
    else if (reply->error() == QNetworkReply::OperationCanceledError && status == 200)
        fail(u"%1 is larger than %2 bytes"_s.arg(url).arg(JsonWebKeySet::kMaxBytes));
    else if (status != 0 && status != 200)
        fail(u"cannot fetch %1: HTTP %2"_s.arg(url).arg(status));
    else
        fail(u"cannot fetch %1: %2"_s.arg(url, reply->errorString()));
}

void JwksSource::accept(const QByteArray &json) {
    QString error;
    const std::optional<JsonWebKeySet> keys = JsonWebKeySet::parse(json, &error);
    if (!keys) {
        fail(u"%1: %2"_s.arg(isRemote() ? m_url.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery)
                                        : m_location,
                             error));
        return;
    }
    ++m_reads;
    for (const QString &skipped : keys->skipped())
        qCWarning(lcServer).noquote() << "JWKS: skipped" << skipped;
    const bool changed = keys->keyIds() != m_keys.keyIds();
    m_keys = *keys;
    if (changed)
        qCInfo(lcServer).noquote() << "JWKS: loaded keys" << m_keys.keyIds().join(u", "_s);
    m_timer->start(m_settings.refreshIntervalMs);
    Q_EMIT loaded(m_keys);
}

void JwksSource::fail(const QString &error) {
    ++m_reads;
    qCWarning(lcServer).noquote() << "JWKS:" << error
                                  << (m_keys.isEmpty() ? "- no keys yet: RS256/ES256 tokens are "
                                                         "refused until it loads"
                                                       : "- keeping the keys loaded before");
    m_timer->start(m_settings.retryIntervalMs);
    Q_EMIT failed(error);
}
