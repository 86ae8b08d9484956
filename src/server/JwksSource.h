#pragma once

#include "server/JsonWebKeySet.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

// Where the JWKS comes from (RTAI_JWKS): a file, or an http(s) URL such as Supabase's
// https://PROJECT.supabase.co/auth/v1/.well-known/jwks.json. Read at start and again every
// refreshIntervalMs, and sooner when a token names a key id it does not have (a rotation), at
// most once per minRefreshIntervalMs. A failed read keeps the keys it had and is retried after
// retryIntervalMs. The URL is fetched with QNetworkAccessManager: the main thread never waits.
class JwksSource : public QObject {
    Q_OBJECT

public:
    struct Settings {
        int refreshIntervalMs = 10 * 60 * 1000;
        int retryIntervalMs = 30 * 1000;
        int minRefreshIntervalMs = 30 * 1000;
        int fetchTimeoutMs = 10 * 1000;
    };

    // `location`: a path or an http(s) URL.
    explicit JwksSource(const QString &location, QObject *parent = nullptr);

    void setSettings(const Settings &settings) { m_settings = settings; }
    // Reads the keys now (a file on a pool thread, a URL over HTTP); loaded() or failed() follows
    // from the event loop.
    void start();
    // A token named a key id the set lacks: reads the keys again unless it did so very recently.
    void refreshSoon();

    bool isRemote() const { return m_url.isValid(); }
    bool hasKeys() const { return !m_keys.isEmpty(); }
    const JsonWebKeySet &keys() const { return m_keys; }
    // How many reads have completed (successfully or not).
    int reads() const { return m_reads; }

Q_SIGNALS:
    void loaded(const JsonWebKeySet &keys);
    void failed(const QString &error);

private:
    void read();
    void readLocalFile();
    void fetched(QNetworkReply *reply);
    void accept(const QByteArray &json);
    void fail(const QString &error);

    QString m_location;
    QUrl m_url; // invalid for a file
    Settings m_settings;
    JsonWebKeySet m_keys;
    QNetworkAccessManager *m_network = nullptr;
    QPointer<QNetworkReply> m_reply;
    QTimer *m_timer;
    qint64 m_lastReadMs = -1;
    int m_reads = 0;
    bool m_readingFile = false;
};
