#pragma once

#include "llm/LlmSettings.h"

#include <QElapsedTimer>
#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QString>

class LlmClient;
class LlmStream;
struct LlmError;
struct LlmResult;

// Tries an LLM endpoint the way a turn would, with the smallest request: one Chat Completions
// request for one token, through its own LlmClient (no retries, no circuit breaker), and says
// what came back and how long it took, or what to check (LlmSetupAdvice). Asynchronous; one
// test at a time. Main thread only.
class LlmConnectionTest : public QObject {
    Q_OBJECT

public:
    struct Result {
        bool ok = false;
        QString answer;       // the reply's text (one token; may be empty)
        QString model;        // as the server reported it
        qint64 latencyMs = 0; // from start() to the end of the reply
        QString problem;      // what failed and what to check; empty when ok
    };

    explicit LlmConnectionTest(QObject *parent = nullptr);
    ~LlmConnectionTest() override; // a test still running ends without a result

    // Connecting, the first token and the rest each get this long (default 15 s).
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    int timeoutMs() const { return m_timeoutMs; }

    // Starts a test of `settings` (base URL, key, model); one still running is dropped.
    void start(const LlmSettings &settings);
    void cancel(); // without a result
    bool isRunning() const;

Q_SIGNALS:
    void finished(const LlmConnectionTest::Result &result);

private:
    void onFinished(const LlmResult &result);
    void onFailed(const LlmError &error);
    void drop();
    void dropLater();

    LlmSettings m_settings;
    int m_timeoutMs = 15000;
    QPointer<LlmClient> m_client;
    QPointer<LlmStream> m_stream;
    QElapsedTimer m_clock;
};
Q_DECLARE_METATYPE(LlmConnectionTest::Result)
