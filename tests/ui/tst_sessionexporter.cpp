#include "core/Ids.h"
#include "core/Timestamps.h"
#include "ui/SessionExporter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;

class TestSessionExporter : public QObject {
    Q_OBJECT

    Session m_session;
    QList<Event> m_events;

    Event event(qint64 id, const QString &type, const QString &content,
                const QJsonObject &metadata = {}) {
        Event e = Event::make(m_session.id, type, content, metadata);
        e.id = id;
        e.createdAt =
            Timestamps::fromIso(u"2026-11-24T14:48:%1.000Z"_s.arg(id, 2, 10, QChar(u'0')));
        return e;
    }

private Q_SLOTS:
    void init() {
        m_session.id = Ids::parseSessionId(u"7b0c5a52-3f8e-4a59-9d47-0d9f3c1e2a10"_s);
        m_session.userId = u"ada"_s;
        m_session.startTime = Timestamps::fromIso(u"2026-11-24T14:48:00.000Z"_s);
        m_session.endTime = Timestamps::fromIso(u"2026-11-24T14:50:00.000Z"_s);
        m_session.summary = u"Ada asked about shipping to Lisbon."_s;
        m_session.messageCount = 2;
        m_events = {
            event(1, EventType::SessionStart, {}),
            event(2, EventType::UserMessage, u"Ship 2 kg to Lisbon?"_s),
            event(3, EventType::ToolCall, u"calculate_shipping"_s,
                  {{u"call_id"_s, u"call_1"_s},
                   {u"name"_s, u"calculate_shipping"_s},
                   {u"arguments"_s, QJsonObject{{u"weight_kg"_s, 2}, {u"city"_s, u"Lisbon"_s}}}}),
            event(4, EventType::ToolResult, u"{\"cost\": 12.5}"_s,
                  {{u"call_id"_s, u"call_1"_s},
                   {u"name"_s, u"calculate_shipping"_s},
                   {u"ok"_s, true}}),
            event(5, EventType::AssistantMessage, u"Shipping costs **12.50 EUR**."_s,
                  {{u"model"_s, u"mock"_s}, {u"finish_reason"_s, u"stop"_s}}),
            event(6, EventType::Error, u"The model is unavailable; try again."_s,
                  {{u"code"_s, u"llm_unavailable"_s}, {u"retryable"_s, true}}),
            event(7, EventType::SessionEnd, {}),
        };
    }

    void markdownHasHeaderSummaryAndTranscriptInOrder() {
        const QString md = SessionExporter::toMarkdown(m_session, m_events);
        QVERIFY(md.startsWith(u"# Session 7b0c5a52-3f8e-4a59-9d47-0d9f3c1e2a10\n"_s));
        QVERIFY(md.contains(u"- User: ada\n"_s));
        QVERIFY(md.contains(u"- Started: 2026-11-24T14:48:00.000Z\n"_s));
        QVERIFY(md.contains(u"- Ended: 2026-11-24T14:50:00.000Z\n"_s));
        QVERIFY(md.contains(u"## Summary\n\nAda asked about shipping to Lisbon.\n"_s));
        const qsizetype user = md.indexOf(u"**User** · 14:48:02\n\nShip 2 kg to Lisbon?"_s);
        const qsizetype call = md.indexOf(u"**Tool call `calculate_shipping`**"_s);
        const qsizetype args = md.indexOf(u"\"city\": \"Lisbon\""_s);
        const qsizetype result = md.indexOf(u"**Tool result `calculate_shipping`**"_s);
        const qsizetype cost = md.indexOf(u"\"cost\": 12.5"_s);
        const qsizetype reply = md.indexOf(u"Shipping costs **12.50 EUR**."_s);
        const qsizetype error = md.indexOf(u"**Error `llm_unavailable`**"_s);
        QVERIFY(user > 0);
        QVERIFY(call > user);
        QVERIFY(args > call);
        QVERIFY(result > args);
        QVERIFY(cost > result);
        QVERIFY(reply > cost);
        QVERIFY(error > reply);
    }

    void markdownFlagsInterruptedAndFailedTools() {
        const Event interrupted =
            event(8, EventType::AssistantMessage, u"Partial"_s, {{u"interrupted"_s, true}});
        QVERIFY(SessionExporter::eventMarkdown(interrupted)
                    .startsWith(u"**Assistant (interrupted)**"_s));
        const Event failed = event(9, EventType::ToolResult, u"division by zero"_s,
                                   {{u"name"_s, u"calculator"_s}, {u"ok"_s, false}});
        QVERIFY(SessionExporter::eventMarkdown(failed).contains(u"`calculator` (failed)"_s));
        QVERIFY(SessionExporter::eventMarkdown(failed).contains(u"division by zero"_s));
        // Assistant rounds that only call tools carry no text: nothing to show.
        QVERIFY(
            SessionExporter::eventMarkdown(event(10, EventType::AssistantMessage, {})).isEmpty());
        QVERIFY(SessionExporter::eventMarkdown(event(11, EventType::SessionStart, {})).isEmpty());
    }

    void codeFenceIsLongerThanBackticksInside() {
        const Event result =
            event(12, EventType::ToolResult, u"a ```` b"_s, {{u"name"_s, u"x"_s}, {u"ok"_s, true}});
        QVERIFY(SessionExporter::eventMarkdown(result).contains(u"`````json\na ```` b\n`````"_s));
    }

    void activeSessionSaysSo() {
        Session active = m_session;
        active.endTime = {};
        active.summary.clear();
        const QString md = SessionExporter::toMarkdown(active, {});
        QVERIFY(md.contains(u"- Ended: still active\n"_s));
        QVERIFY(!md.contains(u"## Summary"_s));
    }

    void jsonUsesRestFieldNames() {
        const QByteArray json = SessionExporter::toJson(m_session, m_events);
        QJsonParseError error;
        const QJsonObject root = QJsonDocument::fromJson(json, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        const QJsonObject session = root.value(u"session"_s).toObject();
        QCOMPARE(session.value(u"session_id"_s).toString(),
                 u"7b0c5a52-3f8e-4a59-9d47-0d9f3c1e2a10"_s);
        QCOMPARE(session.value(u"user_id"_s).toString(), u"ada"_s);
        QCOMPARE(session.value(u"start_time"_s).toString(), u"2026-11-24T14:48:00.000Z"_s);
        QCOMPARE(session.value(u"end_time"_s).toString(), u"2026-11-24T14:50:00.000Z"_s);
        QCOMPARE(session.value(u"status"_s).toString(), u"ended"_s);
        QCOMPARE(session.value(u"message_count"_s).toInt(), 2);
        QCOMPARE(session.value(u"summary"_s).toString(), m_session.summary);
        const QJsonArray events = root.value(u"events"_s).toArray();
        QCOMPARE(events.size(), m_events.size());
        const QJsonObject call = events.at(2).toObject();
        QCOMPARE(call.value(u"id"_s).toInt(), 3);
        QCOMPARE(call.value(u"event_type"_s).toString(), u"tool_call"_s);
        QCOMPARE(call.value(u"created_at"_s).toString(), u"2026-11-24T14:48:03.000Z"_s);
        QCOMPARE(call.value(u"metadata"_s)
                     .toObject()
                     .value(u"arguments"_s)
                     .toObject()
                     .value(u"city"_s)
                     .toString(),
                 u"Lisbon"_s);
    }

    void jsonHasNullsForActiveSession() {
        Session active = m_session;
        active.endTime = {};
        active.summary.clear();
        const QJsonObject session = QJsonDocument::fromJson(SessionExporter::toJson(active, {}))
                                        .object()
                                        .value(u"session"_s)
                                        .toObject();
        QVERIFY(session.value(u"end_time"_s).isNull());
        QVERIFY(session.value(u"summary"_s).isNull());
        QCOMPARE(session.value(u"status"_s).toString(), u"active"_s);
    }

    void fileNames() {
        QCOMPARE(SessionExporter::suggestedFileName(m_session, SessionExporter::Format::Markdown),
                 u"session-7b0c5a52-3f8e-4a59-9d47-0d9f3c1e2a10.md"_s);
        QCOMPARE(SessionExporter::suggestedFileName(m_session, SessionExporter::Format::Json),
                 u"session-7b0c5a52-3f8e-4a59-9d47-0d9f3c1e2a10.json"_s);
    }
};

QTEST_GUILESS_MAIN(TestSessionExporter)
#include "tst_sessionexporter.moc"
