#include "llm/LlmSetupAdvice.h"

#include "llm/LlmFailures.h"

#include <QNetworkReply>

using namespace Qt::StringLiterals;

namespace LlmSetupAdvice {

namespace {

QString hostOf(const QUrl &url) {
    return url.port() > 0 ? url.host() + u':' + QString::number(url.port()) : url.host();
}

QString keyAdvice(int status, bool hasApiKey) {
    if (status == 403)
        return u"The server refused access (HTTP 403): check that the API key may use this "
               "model."_s;
    return hasApiKey ? u"The server refused the API key (HTTP 401): check the API key (the "
                       "whole key, for this provider)."_s
                     : u"The server wants an API key (HTTP 401): enter the API key."_s;
}

QString notFoundAdvice(const QUrl &url, int status) {
    return u"Nothing at %1 (HTTP %2): check the base URL (most servers want it to end with "
           "/v1)."_s.arg(url.toDisplayString(QUrl::RemoveUserInfo))
               .arg(status);
}

} // namespace

QString unreachable(const QUrl &baseUrl, int networkError, qint64 timeoutMs) {
    const QString host = hostOf(baseUrl);
    switch (QNetworkReply::NetworkError(networkError)) {
    case QNetworkReply::ConnectionRefusedError:
        return u"Connection refused: nothing is listening at %1. Start the LLM server, or "
               "check the host and port of the base URL."_s.arg(host);
    case QNetworkReply::HostNotFoundError:
        return u"The host %1 was not found: check the base URL and the network."_s.arg(
            baseUrl.host());
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:
        return u"No answer from %1 within %2: the server may be busy (loading a model), or the "
               "base URL points at something that does not answer."_s.arg(
                   host, LlmFailures::seconds(timeoutMs));
    case QNetworkReply::SslHandshakeFailedError:
        return u"The TLS handshake with %1 failed: check http or https in the base URL."_s.arg(
            host);
    default:
        break;
    }
    return {};
}

QString forModelList(const QUrl &baseUrl, const LlmEndpointProbe::Result &result, bool hasApiKey,
                     qint64 timeoutMs) {
    const int status = result.httpStatus;
    const QUrl url = LlmEndpointProbe::modelsUrl(baseUrl);
    if (status == 0) {
        const QString advice = unreachable(baseUrl, result.networkError, timeoutMs);
        return advice.isEmpty() ? result.problem : advice;
    }
    if (status == 401 || status == 403)
        return keyAdvice(status, hasApiKey);
    if (status == 404 || status == 405)
        return u"The server has no model list at %1 (HTTP %2): check the base URL (most "
               "servers want it to end with /v1), or type the model name."_s
                   .arg(url.toDisplayString(QUrl::RemoveUserInfo))
                   .arg(status);
    if (status >= 500)
        return u"The server at %1 answers with errors (HTTP %2): see its own log."_s
            .arg(hostOf(baseUrl))
            .arg(status);
    if (status / 100 != 2)
        return u"The server at %1 answered HTTP %2 for its model list: check the base "
               "URL."_s.arg(hostOf(baseUrl))
                   .arg(status);
    if (result.models.isEmpty())
        return u"The server at %1 lists no models: load or pull one on it (e.g. `ollama pull "
               "llama3.2`), or type the model name."_s.arg(hostOf(baseUrl));
    return {};
}

QString forCompletion(const QUrl &baseUrl, const QString &model, const LlmError &error,
                      bool hasApiKey, qint64 timeoutMs) {
    const int status = error.httpStatus;
    if (error.kind == LlmError::Kind::Timeout && status == 0 && error.networkError == 0)
        return unreachable(baseUrl, QNetworkReply::TimeoutError, timeoutMs);
    if (status == 0 && error.networkError != 0) {
        const QString advice = unreachable(baseUrl, error.networkError, timeoutMs);
        return advice.isEmpty() ? error.message : advice;
    }
    if (status == 401 || status == 403)
        return keyAdvice(status, hasApiKey);
    if (status == 404)
        return notFoundAdvice(baseUrl, status).chopped(1) +
               u", and that the model \"%1\" exists there."_s.arg(model);
    if (error.kind == LlmError::Kind::Timeout)
        return u"The server at %1 did not answer within %2: it may still be loading the model "
               "\"%3\"; try again in a moment."_s.arg(hostOf(baseUrl),
                                                      LlmFailures::seconds(timeoutMs), model);
    return error.message;
}

} // namespace LlmSetupAdvice
