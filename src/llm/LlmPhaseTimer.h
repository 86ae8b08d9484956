#pragma once

#include "llm/LlmSettings.h"

#include <QElapsedTimer>
#include <QObject>

class QTimer;

// The deadline of the phase an LLM request is in: waiting for a slot, connecting, waiting for
// the first delta, or streaming (where every event of the reply restarts the idle time, without
// restarting a timer per token).
class LlmPhaseTimer : public QObject {
    Q_OBJECT

public:
    enum class Phase { Idle, Queued, Connecting, WaitingFirstDelta, Streaming };

    LlmPhaseTimer(const LlmSettings &settings, QObject *parent);

    void setPhase(Phase phase); // starts the phase's deadline (none for Idle)
    Phase phase() const { return m_phase; }
    void noteActivity(); // while Streaming: the reply is alive
    void stop();         // no deadline until the next setPhase()
    int timeoutMs(Phase phase) const;

Q_SIGNALS:
    void expired(LlmPhaseTimer::Phase phase);

private:
    void onTimeout();

    LlmSettings m_settings;
    QTimer *m_timer;
    QElapsedTimer m_lastActivity;
    Phase m_phase = Phase::Idle;
};
