#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

// One Server-Sent Event.
struct SseEvent {
    QString event; // "event:" field; empty means "message"
    QString data;  // "data:" lines joined with "\n"
    QString id;

    bool operator==(const SseEvent &) const = default;
};

// Incremental Server-Sent Events parser (WHATWG "event stream interpretation"). Feed it bytes as
// they arrive, split anywhere (inside a UTF-8 sequence, inside a field name, between CR and LF);
// it returns the events completed by those bytes. Lines end with LF, CRLF or CR; comment lines
// (":" keep-alives) are skipped; a line longer than maxLineBytes is an error.
class SseParser {
public:
    explicit SseParser(qsizetype maxLineBytes = 8 * 1024 * 1024);

    QList<SseEvent> feed(const QByteArray &bytes);
    // End of the stream: returns the event whose data lines were complete but which was not yet
    // followed by the blank line (servers often omit the last one). A partial line is dropped.
    QList<SseEvent> finish();

    bool hasError() const; // a line exceeded maxLineBytes; the parser then ignores further input
    bool hasPendingData() const; // bytes of an unfinished line or event
    void reset();

private:
    void processLine(const QByteArray &line, QList<SseEvent> &out);
    void dispatch(QList<SseEvent> &out);

    qsizetype m_maxLineBytes;
    QByteArray m_start; // bytes seen before the BOM question is settled
    QByteArray m_line;
    QByteArray m_data;
    QByteArray m_event;
    QByteArray m_id;
    bool m_hasData = false;
    bool m_skipLf = false; // the previous chunk ended with CR: a leading LF belongs to it
    bool m_atStart = true; // a UTF-8 BOM is allowed before the first line
    bool m_error = false;
};
