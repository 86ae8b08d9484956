#pragma once

#include <QByteArray>
#include <QObject>
#include <QPointer>

class QNetworkReply;

// Reads the body of one LLM reply at a time. An event stream is read in passes of at most
// 4 KiB, each an event-loop iteration of its own, so that a fast stream's backlog never holds
// the thread: other streams and sockets are served between its passes. Any other body is kept
// whole (LlmReplyFormat says up to how much) until the reply finishes.
class LlmReplyReader : public QObject {
    Q_OBJECT

public:
    using QObject::QObject;

    // Reads `reply` from now on, and nothing of the one before. Connect to the reply's readyRead
    // before calling this to see its headers before its first streamed().
    void follow(QNetworkReply *reply);
    // Reads nothing more and emits nothing more for the current reply.
    void stop();
    // The body kept whole so far (empty for an event stream).
    QByteArray wholeBody() const { return m_wholeBody; }

Q_SIGNALS:
    void streamed(const QByteArray &bytes); // the next part of an event stream
    void ended();                           // the reply finished and all of its body was read

private:
    void onReadyRead();
    void onFinished();
    void readPass(); // one bounded part; schedules the next, or reports the end
    void readAvailable();

    QPointer<QNetworkReply> m_reply;
    QByteArray m_wholeBody;
    bool m_finished = false;      // of the current reply
    bool m_passScheduled = false; // a readPass() is queued
};
