#pragma once

#include <QString>

// What one text frame of a client asks for (PROTOCOL.md): a user message (any text, or
// {"type":"message","text":…}), {"type":"ping"}, {"type":"cancel"}, {"type":"regenerate"},
// {"type":"edit","text":…}, or an error to answer with (too_large, bad_request). Pure:
// SessionSocket acts on it.
class ClientFrame {
public:
    enum class Kind { Message, Ping, Cancel, Regenerate, Edit, TooLarge, BadRequest };

    static ClientFrame parse(const QString &frame, int maxMessageBytes);

    Kind kind() const { return m_kind; }
    QString text() const { return m_text; }   // Message, Edit: the user's text, never blank
    QString error() const { return m_error; } // TooLarge, BadRequest: the error frame's message

private:
    ClientFrame(Kind kind, const QString &text, const QString &error)
        : m_kind(kind)
        , m_text(text)
        , m_error(error) {}

    Kind m_kind;
    QString m_text;
    QString m_error;
};
