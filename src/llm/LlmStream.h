#pragma once

#include "llm/ChatRequest.h"
#include "llm/LlmEndpointClaim.h"
#include "llm/LlmError.h"
#include "llm/LlmFailure.h"
#include "llm/LlmFailures.h"
#include "llm/LlmNetworkPool.h"
#include "llm/LlmPhaseTimer.h"
#include "llm/LlmPriority.h"
#include "llm/LlmResult.h"
#include "llm/LlmSettings.h"
#include "llm/OpenAiStreamDecoder.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QUrl>

class LlmClient;
class LlmReplyReader;
class QNetworkReply;
class QTimer;

// One streaming Chat Completions request (with its retries): the state machine around the HTTP
// exchange. What the body says is OpenAiStreamDecoder's job, what an error means is
// LlmFailures'. Created by LlmClient::stream(); owned by the caller. Emits contentDelta any
// number of times, then exactly one of finished or failed; nothing after that.
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

    bool isDone() const { return m_done; }
    int attempts() const { return m_attempts; } // HTTP requests sent so far (1 + retries)

Q_SIGNALS:
    void contentDelta(const QString &text);
    void finished(const LlmResult &result);
    void failed(const LlmError &error, const LlmResult &partial);

private:
    void start();
    void requestSlot(); // the next attempt: breaker, shared pause, then a queue slot
    void onEndpointDown(const QString &reason, qint64 retryInMs);
    void sendAttempt();
    void onRequestSent();
    void onHeaders();
    // Acts on what the decoder found; false when the stream ended or changed attempt.
    bool apply(const OpenAiStreamDecoder::Progress &progress);
    void endOfBody(); // the reply finished and its body is all decoded
    void onTimeout(LlmPhaseTimer::Phase phase);
    void retryOrFail(const LlmFailure &failure);
    void end(LlmNetworkPool::Retire how); // the stream is done: timers, reply and slot go
    void succeed();
    void fail(const LlmError &error);
    void dropReply(LlmNetworkPool::Retire how = LlmNetworkPool::Retire::Abort);
    LlmResult snapshot() const;

    QPointer<LlmClient> m_client;
    LlmSettings m_settings;
    LlmEndpointClaim m_claim;
    QUrl m_url;
    LlmFailures::Target m_target;
    QByteArray m_body;
    QPointer<QNetworkReply> m_reply;
    LlmPhaseTimer *m_deadline;
    QTimer *m_retryTimer;
    LlmReplyReader *m_reader;
    OpenAiStreamDecoder m_decoder;
    QElapsedTimer m_clock;
    QString m_content; // every delta emitted so far
    qint64 m_ttftMs = -1;
    int m_attempts = 0;
    bool m_headersSeen = false; // of the current attempt
    bool m_done = false;
};
