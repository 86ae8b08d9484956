#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QString>
#include <QStringList>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

// Whether the LLM endpoint answers, checked with a cheap GET {base}/models (the API key as a
// bearer token when set) at start, every interval, and soon after a request could not connect
// (checkSoon). Any HTTP answer counts as reachable (a server without /models answers 404 or
// 405) except 401/403 (the key was refused) and 5xx (it answers with errors). Asynchronous,
// one check at a time. Main thread only.
class LlmEndpointProbe : public QObject {
    Q_OBJECT

public:
    struct Result {
        enum class Outcome { Reachable, Unreachable, KeyRefused, Failing };
        Outcome outcome = Outcome::Unreachable;
        int httpStatus = 0;   // 0: no HTTP answer
        int networkError = 0; // QNetworkReply::NetworkError when there was no HTTP answer
        QString problem;      // what is wrong, for the operator; empty when reachable
        QStringList models;   // the ids a 2xx OpenAI model list ({"data":[{"id"},…]}) names

        bool isReachable() const { return outcome == Outcome::Reachable; }
    };

    // checkSoon() runs at most once this often: a burst of failed requests is one check.
    static constexpr int kMinGapMs = 2000;

    LlmEndpointProbe(const QUrl &baseUrl, const QString &apiKey, QObject *parent = nullptr);

    // Where to check; a check in flight to the old URL is dropped.
    void setTarget(const QUrl &baseUrl, const QString &apiKey);
    // 0: no periodic checks (checkNow and checkSoon still work).
    void setIntervalMs(int ms);
    // A check that got no answer within this counts as unreachable.
    void setTimeoutMs(int ms);
    // CA certificates trusted for an https endpoint besides the system's (llm/ca_file).
    void setCaFile(const QString &caFile);

    void start(); // a check at once, then every interval
    void stop();
    // A check at once, unless one is running (its result is awaited).
    void checkNow();
    // A check at once, or kMinGapMs after the last one ended if that was more recent.
    void checkSoon();

    bool hasResult() const { return m_checked.isValid(); }
    Result lastResult() const { return m_last; }
    qint64 msSinceLastResult() const; // -1 before the first result
    QUrl modelsUrl() const { return m_modelsUrl; }

    // {base}/models; a base with an empty path gets /v1, a trailing slash is ignored.
    static QUrl modelsUrl(const QUrl &baseUrl);
    // The model ids of an OpenAI model list body, in its order; empty when it is none.
    static QStringList modelIds(const QByteArray &body);

Q_SIGNALS:
    void checked(const LlmEndpointProbe::Result &result);

private:
    void onFinished(QNetworkReply *reply);
    void dropReply(); // without a result
    Result resultOf(QNetworkReply *reply) const;

    QNetworkAccessManager *m_network;
    QTimer *m_interval;
    QTimer *m_soon;
    QUrl m_modelsUrl;
    QString m_shownUrl; // the base URL without user info, for messages
    QString m_apiKey;
    int m_timeoutMs = 10000;
    QSslConfiguration m_tls;
    QPointer<QNetworkReply> m_reply;
    Result m_last;
    QElapsedTimer m_checked; // since the last result
};
Q_DECLARE_METATYPE(LlmEndpointProbe::Result)
