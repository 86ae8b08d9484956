#pragma once

#include "core/Event.h"

#include <QList>
#include <QTextBrowser>
#include <QTimer>

// A session's transcript (TranscriptRenderer draws each entry). Stored events are appended once;
// the reply being streamed is a tail that is re-rendered at most once per frame (16 ms), however
// many tokens arrive in between.
class TranscriptView : public QTextBrowser {
    Q_OBJECT
public:
    explicit TranscriptView(QWidget *parent = nullptr);

    void setEvents(const QList<Event> &events);
    // A stored event; an assistant_message replaces the streamed tail it completes.
    void appendEvent(const Event &event);
    void appendStreamingText(const QString &delta);
    void setStreamingText(const QString &text);
    void clearTranscript();

    QString streamingText() const { return m_streaming; }
    int renderCount() const { return m_renders; } // tail renders so far
    bool hasPendingRender() const { return m_frameTimer.isActive(); }

private:
    void renderTail();
    void insertCommitted(const Event &event);

    QString m_streaming;
    int m_tailStart = 0; // document position where the streamed tail begins
    int m_renders = 0;
    QTimer m_frameTimer;
};
