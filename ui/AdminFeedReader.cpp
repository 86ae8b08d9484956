#include "ui/AdminFeedReader.h"

#include "chat/ChatEvents.h"
#include "chat/ConversationFeed.h"
#include "core/Ids.h"
#include "core/RecordJson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <utility>

using namespace Qt::StringLiterals;

ConversationFeed *AdminFeedReader::conversation(const QUuid &sessionId) const {
    return m_live.value(sessionId).feed;
}

QString AdminFeedReader::userId(const QUuid &sessionId) const {
    return m_live.value(sessionId).userId;
}

void AdminFeedReader::clear() {
    for (const Live &live : std::as_const(m_live))
        delete live.feed;
    m_live.clear();
}

ConversationFeed *AdminFeedReader::open(const QUuid &sessionId, const QString &userId) {
    Live &live = m_live[sessionId];
    if (!live.feed)
        live.feed = new ConversationFeed(sessionId, this);
    live.userId = userId;
    return live.feed;
}

void AdminFeedReader::read(const QString &frameText) {
    const QJsonObject frame = QJsonDocument::fromJson(frameText.toUtf8()).object();
    const QString type = frame.value(u"type"_s).toString();
    if (type == u"hello") {
        for (const QJsonValue &session : frame.value(u"sessions"_s).toArray()) {
            const QJsonObject entry = session.toObject();
            const QUuid id = Ids::parseSessionId(entry.value(u"session_id"_s).toString());
            if (!id.isNull())
                open(id, entry.value(u"user_id"_s).toString());
        }
        Q_EMIT greeted();
        return;
    }
    const QUuid id = Ids::parseSessionId(frame.value(u"session_id"_s).toString());
    if (id.isNull())
        return; // a frame of a later version
    if (type == u"session_opened") {
        const QString user = frame.value(u"user_id"_s).toString();
        Q_EMIT sessionOpened(id, user, open(id, user));
    } else if (type == u"session_closed") {
        const Live closed = m_live.take(id);
        if (!closed.feed)
            return;
        Q_EMIT sessionClosed(id);
        closed.feed->deleteLater();
    } else if (auto live = m_live.find(id); live != m_live.end()) {
        readTurnFrame(type, frame, *live);
    }
}

void AdminFeedReader::readTurnFrame(const QString &type, const QJsonObject &frame, Live &live) {
    ConversationFeed *feed = live.feed;
    if (type == u"turn_started") {
        live.failure = {};
        Q_EMIT feed->turnStarted(frame.value(u"text"_s).toString());
    } else if (type == u"content") {
        Q_EMIT feed->contentDelta(frame.value(u"value"_s).toString());
    } else if (type == u"tool_start") {
        Q_EMIT feed->toolStarted(frame.value(u"call_id"_s).toString(),
                                 frame.value(u"tool"_s).toString(),
                                 frame.value(u"arguments"_s).toObject());
    } else if (type == u"tool_end") {
        Q_EMIT feed->toolFinished(frame.value(u"call_id"_s).toString(),
                                  frame.value(u"tool"_s).toString(), frame.value(u"ok"_s).toBool(),
                                  frame.value(u"result"_s));
    } else if (type == u"error") {
        live.failure.errorCode = frame.value(u"code"_s).toString();
        live.failure.errorMessage = frame.value(u"message"_s).toString();
        live.failure.retryable = frame.value(u"retryable"_s).toBool();
        if (frame.contains(u"retry_after"_s))
            live.failure.retryAfterMs = frame.value(u"retry_after"_s).toInteger() * 1000;
    } else if (type == u"done") {
        Q_EMIT feed->turnFinished(ChatEvents::parseOutcome(frame, std::exchange(live.failure, {})));
    } else if (type == u"event") {
        Q_EMIT feed->eventRecorded(
            RecordJson::eventFrom(frame.value(u"event"_s).toObject(), feed->sessionId()));
    }
}
