#include "llm/LlmEndpointProbe.h"

#include "llm/LlmFailures.h"
#include "llm/LlmTlsTrust.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

using namespace Qt::StringLiterals;

LlmEndpointProbe::LlmEndpointProbe(const QUrl &baseUrl, const QString &apiKey, QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
    , m_interval(new QTimer(this))
    , m_soon(new QTimer(this))
    , m_tls(LlmTlsTrust::configuration({})) {
    qRegisterMetaType<LlmEndpointProbe::Result>();
    m_interval->setInterval(30000);
    connect(m_interval, &QTimer::timeout, this, &LlmEndpointProbe::checkNow);
    m_soon->setSingleShot(true);
    connect(m_soon, &QTimer::timeout, this, &LlmEndpointProbe::checkNow);
    setTarget(baseUrl, apiKey);
}

void LlmEndpointProbe::setTarget(const QUrl &baseUrl, const QString &apiKey) {
    dropReply();
    m_modelsUrl = modelsUrl(baseUrl);
    m_shownUrl = baseUrl.toDisplayString(QUrl::RemoveUserInfo);
    m_apiKey = apiKey;
    m_last = {};
    m_checked.invalidate();
}

void LlmEndpointProbe::setIntervalMs(int ms) {
    m_interval->setInterval(ms);
    if (ms <= 0)
        m_interval->stop();
}

void LlmEndpointProbe::setTimeoutMs(int ms) {
    m_timeoutMs = ms;
}

void LlmEndpointProbe::start() {
    if (m_interval->interval() > 0)
        m_interval->start();
    checkNow();
}

void LlmEndpointProbe::stop() {
    m_interval->stop();
    m_soon->stop();
    dropReply();
}

void LlmEndpointProbe::dropReply() {
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->disconnect(this);
    reply->abort();
    reply->deleteLater();
}

void LlmEndpointProbe::setCaFile(const QString &caFile) {
    m_tls = LlmTlsTrust::configuration(caFile);
}

void LlmEndpointProbe::checkNow() {
    if (m_reply)
        return;
    m_soon->stop();
    QNetworkRequest request(m_modelsUrl);
    request.setRawHeader("Accept", "application/json");
    if (!m_apiKey.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_apiKey.toUtf8());
    request.setTransferTimeout(m_timeoutMs);
    if (m_modelsUrl.scheme() == u"https")
        request.setSslConfiguration(m_tls);
    QNetworkReply *reply = m_network->get(request);
    m_reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onFinished(reply); });
}

void LlmEndpointProbe::checkSoon() {
    if (m_reply || m_soon->isActive())
        return;
    const qint64 since = msSinceLastResult();
    if (since < 0 || since >= kMinGapMs)
        checkNow();
    else
        m_soon->start(int(kMinGapMs - since));
}

qint64 LlmEndpointProbe::msSinceLastResult() const {
    return m_checked.isValid() ? m_checked.elapsed() : -1;
}

QUrl LlmEndpointProbe::modelsUrl(const QUrl &baseUrl) {
    QUrl url = baseUrl;
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    if (path.endsWith("/chat/completions"_L1))
        path.chop(qsizetype(sizeof("/chat/completions") - 1));
    if (path.isEmpty())
        path = u"/v1"_s;
    url.setPath(path + "/models"_L1);
    return url;
}

void LlmEndpointProbe::onFinished(QNetworkReply *reply) {
    if (reply != m_reply)
        return;
    m_reply = nullptr;
    reply->deleteLater();
    m_last = resultOf(reply);
    m_checked.start();
    Q_EMIT checked(m_last);
}

LlmEndpointProbe::Result LlmEndpointProbe::resultOf(QNetworkReply *reply) const {
    Result result;
    result.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const int status = result.httpStatus;
    if (status == 0) {
        result.outcome = Result::Outcome::Unreachable;
        result.networkError = int(reply->error());
        result.problem = LlmFailures::endpointUnreachable(m_shownUrl, reply->error(),
                                                          reply->errorString(), m_timeoutMs);
    } else if (status == 401 || status == 403) {
        result.outcome = Result::Outcome::KeyRefused;
        result.problem = LlmFailures::endpointRefusedKey(m_shownUrl, status, !m_apiKey.isEmpty());
    } else if (status >= 500) {
        result.outcome = Result::Outcome::Failing;
        result.problem = LlmFailures::endpointFailing(m_shownUrl, status);
    } else {
        result.outcome = Result::Outcome::Reachable;
        if (status / 100 == 2)
            result.models = modelIds(reply->readAll());
    }
    return result;
}

QStringList LlmEndpointProbe::modelIds(const QByteArray &body) {
    QStringList ids;
    const QJsonArray data = QJsonDocument::fromJson(body).object().value("data"_L1).toArray();
    for (const QJsonValue &model : data) {
        const QString id = model.toObject().value("id"_L1).toString();
        if (!id.isEmpty() && !ids.contains(id))
            ids << id;
    }
    return ids;
}
