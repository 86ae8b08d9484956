#pragma once

// Helpers shared by the server tests: an in-process Backend on a free port with its own SQLite
// file (or a given database URL) and an in-process MockLlmServer, plus small waiting helpers.

#include "app/Backend.h"
#include "core/Config.h"
#include "core/Ids.h"
#include "core/MetricsRegistry.h"
#include "core/Timestamps.h"
#include "fixtures/FutureWait.h"
#include "fixtures/MockLlmServer.h"
#include "llm/LlmClient.h"
#include "server/ServerMetrics.h"
#include "storage/Database.h"

#include <QFuture>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

template <typename T> T await(QFuture<T> future, int timeoutMs = 15000) {
    return FutureWait::result(future, timeoutMs);
}

inline void awaitVoid(QFuture<void> future, int timeoutMs = 15000) {
    if (!QTest::qWaitFor([&future] { return future.isFinished(); }, timeoutMs))
        qFatal("future did not finish in time");
    future.waitForFinished();
}

// The reply the default responder gives to summary requests.
inline const QString kMockSummary = QStringLiteral("The user introduced themselves and chatted.");

inline bool isSummaryRequest(const MockLlmRequest &request) {
    const QJsonArray messages = request.json.value(QStringLiteral("messages")).toArray();
    return !messages.isEmpty() && messages.first()
                                      .toObject()
                                      .value(QStringLiteral("content"))
                                      .toString()
                                      .contains(QStringLiteral("summar"), Qt::CaseInsensitive);
}

// The last user message of a Chat Completions request.
inline QString lastUserText(const MockLlmRequest &request) {
    const QJsonArray messages = request.json.value(QStringLiteral("messages")).toArray();
    for (qsizetype i = messages.size() - 1; i >= 0; --i) {
        const QJsonObject message = messages.at(i).toObject();
        if (message.value(QStringLiteral("role")).toString() == u"user")
            return message.value(QStringLiteral("content")).toString();
    }
    return {};
}

class InProcessServer {
public:
    InProcessServer() {
        llm.listen();
        llm.setResponder([](const MockLlmRequest &request) {
            return isSummaryRequest(request) ? MockLlmReply::text(kMockSummary)
                                             : MockLlmReply::text(QStringLiteral("OK."));
        });
        config.headless = true;
        config.host = QStringLiteral("127.0.0.1");
        config.port = 0;
        config.dataDir = dir.path();
        config.databaseUrl = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("test.db"));
        config.llmBaseUrl = llm.baseUrl().toString();
        config.llmModel = QStringLiteral("mock-model");
        config.llmSource = Config::LlmSource::Explicit;
    }
    ~InProcessServer() { stop(); }

    // No LLM at all: no base URL, no API key, and (through RTAI_CACHE_DIR, for this test process)
    // an empty local-model cache, as on a machine where scripts/setup-local-model never ran.
    void configureWithoutLlm() {
        config.llmBaseUrl.clear();
        config.llmApiKey.clear();
        config.llmSource = Config::LlmSource::None;
        qputenv("RTAI_CACHE_DIR", dir.filePath(QStringLiteral("empty-cache")).toLocal8Bit());
    }

    // Builds and starts the Backend with `config`; false when it did not start.
    bool start() {
        backend = std::make_unique<Backend>(config);
        backend->setSummarySettings(summarySettings);
        if (socketLimits)
            backend->setSocketLimits(*socketLimits);
        if (connectionSettings)
            backend->setConnectionSettings(*connectionSettings);
        LlmSettings settings = backend->llm()->settings();
        settings.maxRetries = 0;
        backend->llm()->setSettings(settings);
        QSignalSpy started(backend.get(), &Backend::started);
        QSignalSpy failed(backend.get(), &Backend::startFailed);
        backend->start();
        if (!QTest::qWaitFor([&] { return !started.isEmpty() || !failed.isEmpty(); }, 20000))
            qWarning() << "the backend did not start in time";
        if (!failed.isEmpty())
            qWarning() << "start failed:" << failed.first().first().toString();
        return !started.isEmpty();
    }
    void stop() {
        if (!backend)
            return;
        QSignalSpy stopped(backend.get(), &Backend::stopped);
        backend->stop();
        if (backend->state() != Backend::State::Stopped)
            stopped.wait(10000);
        backend.reset();
    }

    QUrl url() const { return backend->url(); }
    Database *db() const { return backend->database(); }
    QUrl wsUrl(const QUuid &id, const QString &userId) const {
        QUrl ws = url();
        ws.setScheme(QStringLiteral("ws"));
        ws.setPath(QStringLiteral("/ws/session/") + Ids::toText(id));
        ws.setQuery(QStringLiteral("user_id=") +
                    QString::fromUtf8(QUrl::toPercentEncoding(userId)));
        return ws;
    }
    QUrl httpUrl(const QString &pathAndQuery) const { return url().resolved(QUrl(pathAndQuery)); }
    // A plain TCP connection to the server's port; null when it did not connect.
    std::unique_ptr<QTcpSocket> connectRaw(int timeoutMs = 10000) const {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QHostAddress::LocalHost, url().port());
        if (!QTest::qWaitFor([&] { return socket->state() == QAbstractSocket::ConnectedState; },
                             timeoutMs))
            return nullptr;
        return socket;
    }
    // rtai_connections_closed_total{reason}.
    double connectionsClosed(const QString &reason) const {
        return backend->metrics()->value(ServerMetrics::ConnectionsClosed,
                                         {{QStringLiteral("reason"), reason}});
    }

    QList<Event> events(const QUuid &id) const { return await(db()->events(id, 0, 10000)); }
    std::optional<Session> session(const QUuid &id) const { return await(db()->session(id)); }
    QList<Event> eventsOfType(const QUuid &id, const QString &type) const {
        QList<Event> result;
        for (const Event &event : events(id))
            if (event.type == type)
                result.append(event);
        return result;
    }
    // Waits until the session has ended and has a summary (or the timeout passes).
    bool waitForSummary(const QUuid &id, int timeoutMs = 15000) const {
        return QTest::qWaitFor(
            [&] {
                const auto stored = session(id);
                return stored && !stored->isActive() && !stored->summary.isEmpty();
            },
            timeoutMs);
    }
    bool waitForEnded(const QUuid &id, int timeoutMs = 15000) const {
        return QTest::qWaitFor(
            [&] {
                const auto stored = session(id);
                return stored && !stored->isActive();
            },
            timeoutMs);
    }

    QTemporaryDir dir;
    MockLlmServer llm;
    Config config;
    std::optional<SessionSocket::Limits> socketLimits;
    std::optional<ConnectionWatchdog::Settings> connectionSettings;
    SummaryScheduler::Settings summarySettings = [] {
        SummaryScheduler::Settings settings;
        settings.retryBaseDelayMs = 100;
        settings.retryMaxDelayMs = 1000;
        return settings;
    }();
    std::unique_ptr<Backend> backend;
};
