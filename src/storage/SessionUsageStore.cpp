#include "storage/SessionUsageStore.h"

#include "core/Ids.h"
#include "storage/SqlDialect.h"

using namespace Qt::StringLiterals;

namespace {
constexpr qsizetype kIdsPerStatement = 500;
} // namespace

SessionUsageStore::SessionUsageStore(const QSqlDatabase &db, const SqlDialect &dialect)
    : SqlStore(db, dialect) {}

QHash<QUuid, SessionUsage> SessionUsageStore::usage(const QList<QUuid> &ids) {
    const QString metadata = u"e.metadata"_s;
    const QString model = m_dialect.jsonText(metadata, {u"model"_s});
    const QString prompt = m_dialect.jsonNumber(metadata, {u"usage"_s, u"prompt_tokens"_s});
    const QString completion = m_dialect.jsonNumber(metadata, {u"usage"_s, u"completion_tokens"_s});
    const QString ttft = m_dialect.jsonNumber(metadata, {u"ttft_ms"_s});
    const QString reply = u"e.event_type = 'assistant_message'"_s;
    // One row per session and model; tool calls fall in the row whose model is NULL.
    const QString select =
        u"SELECT e.session_id, CASE WHEN %1 THEN COALESCE(%2, '') END, "
        "SUM(CASE WHEN e.event_type = 'tool_call' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN %1 THEN 1 ELSE 0 END), "
        "CAST(COALESCE(SUM(CASE WHEN %1 THEN %3 END), 0) AS BIGINT), "
        "CAST(COALESCE(SUM(CASE WHEN %1 THEN %4 END), 0) AS BIGINT), "
        "CAST(COALESCE(SUM(CASE WHEN %1 AND %5 >= 0 THEN %5 END), 0) AS BIGINT), "
        "COUNT(CASE WHEN %1 AND %5 >= 0 THEN 1 END) "
        "FROM session_events e WHERE e.event_type IN ('assistant_message', 'tool_call') "
        "AND e.session_id IN (%6) GROUP BY 1, 2"_s;
    QHash<QUuid, SessionUsage> result;
    for (qsizetype start = 0; start < ids.size(); start += kIdsPerStatement) {
        const QList<QUuid> chunk = ids.mid(start, kIdsPerStatement);
        QStringList placeholders;
        QVariantList values;
        for (const QUuid &id : chunk) {
            placeholders << m_dialect.uuidParam();
            values << Ids::toText(id);
        }
        const QString in = placeholders.join(u", "_s);
        QSqlQuery existing =
            run(u"SELECT session_id FROM sessions WHERE session_id IN (%1)"_s.arg(in), values,
                u"read sessions"_s);
        while (existing.next())
            result.insert(QUuid::fromString(existing.value(0).toString()), {});
        QSqlQuery query = run(select.arg(reply, model, prompt, completion, ttft, in), values,
                              u"read the usage of sessions"_s);
        while (query.next()) {
            SessionUsage &usage = result[QUuid::fromString(query.value(0).toString())];
            usage.toolCalls += query.value(2).toLongLong();
            const qint64 replies = query.value(3).toLongLong();
            if (replies == 0)
                continue;
            SessionUsage::Tokens &tokens = usage.byModel[query.value(1).toString()];
            tokens.prompt += query.value(4).toLongLong();
            tokens.completion += query.value(5).toLongLong();
            usage.replies += replies;
            usage.ttftTotalMs += query.value(6).toLongLong();
            usage.ttftCount += query.value(7).toLongLong();
        }
    }
    return result;
}
