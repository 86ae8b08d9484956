#include "ChatTestHarness.h"

#include <QHash>
#include <QJsonArray>

using namespace Qt::StringLiterals;

ChatTestHarness::ChatTestHarness() {
    if (!mock.listen() || !dir.isValid())
        return;
    LlmSettings settings;
    settings.baseUrl = mock.baseUrl();
    settings.model = u"mock-model"_s;
    settings.maxRetries = 0;
    settings.connectTimeoutMs = 5000;
    settings.firstTokenTimeoutMs = 10000;
    settings.idleTimeoutMs = 10000;
    llm = std::make_unique<LlmClient>(settings);
    tools.addBuiltinTools();
    QFuture<void> opened = database.open(u"sqlite://"_s + dir.filePath(u"chat.db"_s));
    if (!await(opened))
        return;
    try {
        opened.waitForFinished(); // rethrows a failure
    } catch (const QException &) {
        return;
    }
    sessionId = QUuid::createUuid();
    database.createSession(sessionId, u"tester"_s, QDateTime::currentDateTimeUtc());
    m_ready = true;
}

ChatTestHarness::~ChatTestHarness() = default;

bool ChatTestHarness::isReady() const {
    return m_ready;
}

std::unique_ptr<Conversation> ChatTestHarness::conversation(const ChatSettings &settings) {
    return std::make_unique<Conversation>(sessionId, llm.get(), &tools, &database, settings);
}

QList<Event> ChatTestHarness::storedEvents() {
    const QFuture<void> flushed = database.flush();
    if (!await(flushed))
        return {};
    const QFuture<QList<Event>> events = database.events(sessionId);
    if (!await(events) || events.resultCount() == 0)
        return {};
    return events.result();
}

QStringList ChatTestHarness::types(const QList<Event> &events) {
    QStringList types;
    for (const Event &event : events)
        types << event.type;
    return types;
}

QList<ChatMessage> ChatTestHarness::messagesOf(const MockLlmRequest &request) {
    QList<ChatMessage> messages;
    QHash<QString, QString> toolNames;
    const QJsonArray array = request.json.value(u"messages"_s).toArray();
    for (const QJsonValue &value : array) {
        const QJsonObject object = value.toObject();
        const QString role = object.value(u"role"_s).toString();
        const QString content = object.value(u"content"_s).toString();
        if (role == u"system"_s) {
            messages << ChatMessage::system(content);
        } else if (role == u"user"_s) {
            messages << ChatMessage::user(content);
        } else if (role == u"tool"_s) {
            const QString id = object.value(u"tool_call_id"_s).toString();
            messages << ChatMessage::toolResult(id, toolNames.value(id), content);
        } else {
            QList<ToolCall> calls;
            for (const QJsonValue &call : object.value(u"tool_calls"_s).toArray()) {
                const QJsonObject function = call[u"function"_s].toObject();
                calls << ToolCall{call[u"id"_s].toString(), function[u"name"_s].toString(),
                                  function[u"arguments"_s].toString()};
                toolNames.insert(calls.last().id, calls.last().name);
            }
            messages << ChatMessage::assistant(content, calls);
        }
    }
    return messages;
}

bool ChatTestHarness::isSummaryRequest(const MockLlmRequest &request) {
    const QJsonArray messages = request.json.value(u"messages"_s).toArray();
    return !messages.isEmpty() &&
           messages.first()[u"content"_s].toString().startsWith(u"Summarize"_s);
}

SignalLog::SignalLog(Conversation *conversation) {
    auto add = [this](const QString &entry) {
        if (entry != u"delta"_s || entries.isEmpty() || entries.last() != entry)
            entries << entry;
    };
    connect(conversation, &Conversation::turnStarted, this,
            [add](const QString &) { add(u"turnStarted"_s); });
    connect(conversation, &Conversation::contentDelta, this, [this, add](const QString &delta) {
        text += delta;
        add(u"delta"_s);
    });
    connect(
        conversation, &Conversation::toolStarted, this,
        [add](const QString &, const QString &, const QJsonObject &) { add(u"toolStarted"_s); });
    connect(conversation, &Conversation::toolFinished, this,
            [add](const QString &, const QString &, bool, const QJsonValue &) {
                add(u"toolFinished"_s);
            });
    connect(conversation, &Conversation::turnFinished, this,
            [this, add](const TurnOutcome &outcome) {
                outcomes << outcome;
                add(u"turnFinished"_s);
            });
    connect(conversation, &Conversation::eventRecorded, this, [this, add](const Event &event) {
        events << event;
        add(event.type);
    });
    connect(conversation, &Conversation::idle, this, [this, add] {
        ++idleCount;
        add(u"idle"_s);
    });
}
