// LLM client throughput: SSE parsing, tokens per second through LlmClient from MockLlmServer
// over loopback, sequential requests on a keep-alive connection, and concurrent streams.
#include "fixtures/MockLlmServer.h"
#include "llm/LlmClient.h"
#include "llm/LlmStream.h"
#include "llm/SseParser.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

void report(const char *what, double value, const char *unit) {
    std::printf("%-48s %12.0f %s\n", what, value, unit);
    std::fflush(stdout);
}

void benchParser() {
    QByteArray stream;
    int events = 0;
    while (stream.size() < 32 * 1024 * 1024) {
        stream +=
            "data: " +
            QJsonDocument(MockLlmReply::contentChunk(u" token"_s)).toJson(QJsonDocument::Compact) +
            "\r\n\r\n";
        ++events;
    }
    SseParser parser;
    QElapsedTimer clock;
    clock.start();
    qsizetype parsed = 0;
    for (qsizetype at = 0; at < stream.size(); at += 1024)
        parsed += parser.feed(stream.mid(at, 1024)).size();
    const double seconds = clock.nsecsElapsed() / 1e9;
    if (parsed != events)
        qFatal("parser lost events");
    report("SseParser, 1 KiB pieces", stream.size() / seconds / 1e6, "MB/s");
    report("SseParser, events", events / seconds, "events/s");
}

LlmSettings settingsFor(const MockLlmServer &server) {
    LlmSettings settings;
    settings.baseUrl = server.baseUrl();
    settings.model = u"bench"_s;
    return settings;
}

ChatRequest request() {
    ChatRequest r;
    r.messages = {ChatMessage::user(u"Hello"_s)};
    return r;
}

// Runs `count` streams at once; returns the tokens received.
qint64 runStreams(LlmClient &client, int count) {
    int ended = 0;
    qint64 tokens = 0;
    QObject owner;
    QEventLoop loop; // not QTest::qWaitFor: it sleeps 10 ms between polls
    for (int i = 0; i < count; ++i) {
        LlmStream *stream = client.stream(request(), &owner);
        QObject::connect(stream, &LlmStream::contentDelta, &owner, [&tokens] { ++tokens; });
        QObject::connect(stream, &LlmStream::finished, &owner, [&] {
            if (++ended == count)
                loop.quit();
        });
        QObject::connect(stream, &LlmStream::failed, &owner, [&](const LlmError &error) {
            qWarning("stream failed: %s", qPrintable(error.message));
            if (++ended == count)
                loop.quit();
        });
    }
    loop.exec();
    return tokens;
}

void benchStreaming() {
    MockLlmServer server;
    if (!server.listen())
        qFatal("cannot listen");
    LlmClient client(settingsFor(server));

    QStringList many;
    for (int i = 0; i < 20000; ++i)
        many.append(u" tok"_s);
    server.enqueue(MockLlmReply::tokens(many));
    QElapsedTimer clock;
    clock.start();
    const qint64 tokens = runStreams(client, 1);
    report("one stream of 20000 tokens", tokens / (clock.nsecsElapsed() / 1e9), "tokens/s");

    server.setResponder(
        [](const MockLlmRequest &) { return MockLlmReply::text(u"short answer"_s); });
    clock.restart();
    for (int i = 0; i < 300; ++i)
        runStreams(client, 1);
    report("sequential short requests (keep-alive)", 300 / (clock.nsecsElapsed() / 1e9),
           "requests/s");
    std::printf("%-48s %12d\n", "  TCP connections used", server.connectionCount());

    QStringList some;
    for (int i = 0; i < 500; ++i)
        some.append(u" tok"_s);
    server.setResponder([some](const MockLlmRequest &) { return MockLlmReply::tokens(some); });
    clock.restart();
    const qint64 concurrentTokens = runStreams(client, 50);
    report("50 concurrent streams of 500 tokens", concurrentTokens / (clock.nsecsElapsed() / 1e9),
           "tokens/s");
}

} // namespace

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    benchParser();
    benchStreaming();
    return 0;
}
