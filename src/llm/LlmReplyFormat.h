#pragma once

#include <QByteArray>

class QNetworkReply;

// How an LLM reply's body is read, from its status and Content-Type: an event stream is decoded
// as it arrives; anything else is kept whole, up to maxBytes, until the reply finishes.
struct LlmReplyFormat {
    enum class Kind { EventStream, Json, WebPage, Error };

    Kind kind = Kind::Error;
    qsizetype maxBytes = 0; // for the kinds kept whole

    static LlmReplyFormat of(int status, const QByteArray &contentType);
    static LlmReplyFormat of(const QNetworkReply &reply);
    static int statusOf(const QNetworkReply &reply); // 0: no HTTP answer (yet)
    bool isKeptWhole() const { return kind != Kind::EventStream; }
};
