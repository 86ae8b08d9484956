#pragma once

#include "llm/ChatRequest.h"
#include "llm/LlmError.h"
#include "llm/LlmPriority.h"
#include "llm/LlmRequestQueue.h"
#include "llm/LlmResult.h"
#include "llm/LlmSettings.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QUrl>
#include <memory>

class LlmClient;
class QJsonObject;
class QNetworkReply;
class QTimer;
class SseParser;
class ToolCallAssembler;

// One streaming Chat Completions request (with its retries). Created by LlmClient::stream();
// owned by the caller. Emits contentDelta any number of times, then exactly one of finished or
// failed; nothing after that.
//
// Each attempt first waits for a slot of the client's LlmRequestQueue (queue timeout), then for
// the connection (connect timeout), the first delta and the gaps between deltas. The client's
// LlmCircuitBreaker can refuse an attempt at once, or make it wait for a shared Retry-After.
class LlmStream : public QObject {
    Q_OBJECT
public:
    LlmStream(LlmClient *client, const LlmSettings &settings, const ChatRequest &request,
              LlmPriority priority, QObject *parent);
    ~LlmStream() override; // aborts a running request without emitting anything

    // Aborts the HTTP request at once and emits failed(Cancelled, partial) before returning.
    // Does nothing once the stream has ended.
    void cancel();

    bool isDone() const;
    int attempts() const; // HTTP requests sent so far (1 + retries)

Q_SIGNALS:
    void contentDelta(const QString &text);
    void finished(const LlmResult &result);
    void failed(const LlmError &error, const LlmResult &partial);

private:
    enum class Phase { Idle, Queued, Connecting, WaitingFirstDelta, Streaming };
    struct Failure; // an error plus whether another attempt may fix it

    void start();
    void requestSlot(); // the next attempt: breaker, shared pause, then a queue slot
    void releaseSlot();
    void onEndpointDown(const QString &reason, qint64 retryInMs);
    void failEndpointDown(const QString &reason, qint64 retryInMs);
    void sendAttempt();
    void onHeaders();
    void onRequestSent();
    void onReadyRead();
    void onReplyFinished();
    void onTimeout();
    void processBody(const QByteArray &bytes);
    bool handleEvent(const QString &eventType, const QString &data); // false: stream ended
    void handleChunk(const QJsonObject &chunk);
    void handleCompleteResponse(const QByteArray &body);
    void noteActivity(bool isDelta);
    // A 400 naming an optional field the server does not support: drop or rename it.
    bool adaptRequestTo(const QString &serverMessage);
    void retryOrFail(const Failure &failure);
    void succeed();
    void fail(const LlmError &error);
    void dropReply();
    void setPhase(Phase phase);
    QString host() const;
    LlmResult snapshot() const;

    QPointer<LlmClient> m_client;
    LlmSettings m_settings;
    LlmPriority m_priority;
    LlmRequestQueue::Ticket m_ticket = 0;
    bool m_isProbe = false; // the breaker's half-open probe: its outcome closes or reopens it
    QUrl m_url;
    QByteArray m_body;
    QPointer<QNetworkReply> m_reply;
    QTimer *m_timer;
    QTimer *m_retryTimer;
    std::unique_ptr<SseParser> m_parser;
    std::unique_ptr<ToolCallAssembler> m_toolCalls;
    QElapsedTimer m_clock;
    QElapsedTimer m_lastActivity; // the last event of the reply while streaming
    QByteArray m_plainBody;       // error bodies and non-streaming answers
    LlmResult m_result;
    Phase m_phase = Phase::Idle;
    int m_attempts = 0;
    bool m_contentEmitted = false;
    bool m_headersSeen = false; // of the current attempt
    bool m_done = false;
};
