#include "core/Event.h"

#include "core/Timestamps.h"

Event Event::make(const QUuid &sessionId, const QString &type, const QString &content,
                  const QJsonObject &metadata) {
    Event event;
    event.sessionId = sessionId;
    event.type = type;
    event.content = content;
    event.metadata = metadata;
    event.createdAt = Timestamps::now();
    return event;
}
