// Tokens per second of the bundled local model through our whole stack (WebSocket client → the
// real `realtime-ai --server` → its llama-server) against the same llama-server called directly
// with the same request body, alternating the two, in one run. Needs scripts/setup-local-model.
//
//   scripts/bench bench_localmodel
//   build/bench/bench_localmodel --rounds 8 --prompt "Tell me about the sea."
//
// Decode speed is (completion tokens − 1) / (last content − first content), as the client sees
// it; time to first token is from sending the request (or the WebSocket frame) to the first piece.

#include "chat/ContextWindow.h"
#include "core/Config.h"
#include "core/Ids.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/TestHttp.h"
#include "llm/ChatRequest.h"
#include "tools/ToolRegistry.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <algorithm>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

constexpr int kTurnTimeoutMs = 300000;

struct Sample {
    bool ok = false;
    int completionTokens = 0;
    double ttftMs = 0;
    double decodeTokensPerSecond = 0;
};

Sample finish(Sample sample, qint64 firstMs, qint64 lastMs) {
    if (sample.completionTokens > 1 && lastMs > firstMs) {
        sample.decodeTokensPerSecond = (sample.completionTokens - 1) * 1000.0 / (lastMs - firstMs);
        sample.ok = true;
    }
    return sample;
}

// One streamed request straight to llama-server's OpenAI API.
Sample direct(QNetworkAccessManager *network, const QUrl &baseUrl, const QByteArray &body) {
    QNetworkRequest request(QUrl(baseUrl.toString() + u"/chat/completions"_s));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QElapsedTimer clock;
    clock.start();
    QNetworkReply *reply = network->post(request, body);
    Sample sample;
    qint64 first = -1;
    qint64 last = -1;
    QByteArray buffer;
    QObject::connect(reply, &QIODevice::readyRead, reply, [&] {
        buffer += reply->readAll();
        qsizetype end;
        while ((end = buffer.indexOf('\n')) >= 0) {
            const QByteArray line = buffer.left(end).trimmed();
            buffer.remove(0, end + 1);
            if (!line.startsWith("data: ") || line == "data: [DONE]")
                continue;
            const QJsonObject chunk = QJsonDocument::fromJson(line.mid(6)).object();
            const QJsonArray choices = chunk.value(u"choices"_s).toArray();
            if (!choices.isEmpty() &&
                !choices.first()[u"delta"_s][u"content"_s].toString().isEmpty()) {
                last = clock.elapsed();
                if (first < 0)
                    first = last;
            }
            if (chunk.value(u"usage"_s).isObject())
                sample.completionTokens = chunk[u"usage"_s][u"completion_tokens"_s].toInt();
        }
    });
    if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, kTurnTimeoutMs))
        reply->abort();
    reply->deleteLater();
    sample.ttftMs = first;
    return finish(sample, first, last);
}

// One turn through our server, as a WebSocket client sees it.
Sample throughServer(QWebSocket *socket, const QString &prompt) {
    Sample sample;
    qint64 first = -1;
    qint64 last = -1;
    bool done = false;
    QElapsedTimer clock;
    const auto connection = QObject::connect(
        socket, &QWebSocket::textMessageReceived, socket, [&](const QString &text) {
            const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
            const QString type = frame.value(u"type"_s).toString();
            if (type == u"content") {
                last = clock.elapsed();
                if (first < 0)
                    first = last;
            } else if (type == u"done") {
                sample.completionTokens = frame[u"usage"_s][u"completion_tokens"_s].toInt();
                done = true;
            }
        });
    clock.start();
    socket->sendTextMessage(prompt);
    const bool answered = QTest::qWaitFor([&done] { return done; }, kTurnTimeoutMs);
    QObject::disconnect(connection);
    if (!answered)
        return {};
    sample.ttftMs = first;
    return finish(sample, first, last);
}

double median(QList<double> values) {
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    return values.at(values.size() / 2);
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Local model tokens/s: through our server vs direct."_s);
    parser.addHelpOption();
    parser.addOption({u"rounds"_s, u"Requests of each kind (alternating)."_s, u"n"_s, u"6"_s});
    parser.addOption(
        {u"prompt"_s, u"The user message."_s, u"text"_s,
         u"Write a short story, about 150 words, about a dragon who learns to bake bread."_s});
    parser.process(app);
    const int rounds = qMax(1, parser.value(u"rounds"_s).toInt());
    const QString prompt = parser.value(u"prompt"_s);

    QTemporaryDir dir;
    ServerProcess server;
    server.setLogName(u"bench-localmodel-server"_s);
    if (!server.start({u"--database-url"_s, u"sqlite://"_s + dir.filePath(u"bench.db"_s),
                       u"--data-dir"_s, dir.path(), u"--log-level"_s, u"info"_s})) {
        std::fprintf(stderr, "the server did not start:\n%s\n", qPrintable(server.log()));
        return 1;
    }
    if (!QTest::qWaitFor(
            [&] { return TestHttp::get(server.url().resolved(QUrl(u"/readyz"_s))).status == 200; },
            kTurnTimeoutMs)) {
        std::fprintf(stderr, "the local model did not become ready (scripts/setup-local-model?)\n");
        return 1;
    }
    const QRegularExpression ready(u"serves (\\S+) at (http://\\S+)"_s);
    const QRegularExpressionMatch match = ready.match(server.log());
    if (!match.hasMatch()) {
        std::fprintf(stderr, "no local model in the server log\n");
        return 1;
    }
    const QString model = match.captured(1);
    const QUrl baseUrl(match.captured(2));

    // The body our server sends for the first turn of a session: system prompt, tools, message.
    ToolRegistry tools;
    tools.addBuiltinTools();
    ChatRequest request;
    request.messages =
        ContextWindow::assemble(Config().systemPrompt, {}, {ChatMessage::user(prompt)});
    request.tools = tools.openAiTools();
    request.maxTokens = 1024; // the cap the Backend puts on local model replies
    const QByteArray body =
        QJsonDocument(request.toOpenAiJson(model)).toJson(QJsonDocument::Compact);

    QNetworkAccessManager network;
    QList<double> directRates, serverRates, directTtft, serverTtft;
    int directTokens = 0, serverTokens = 0;
    for (int round = 0; round < rounds; ++round) {
        // A new session each time, so both sides send the same one-message conversation.
        QWebSocket socket;
        const QString sessionId = Ids::toText(QUuid::createUuid());
        socket.open(QUrl(server.url().toString().replace(u"http://"_s, u"ws://"_s) +
                         u"/ws/session/"_s + sessionId + u"?user_id=bench"_s));
        bool opened = false;
        QObject::connect(
            &socket, &QWebSocket::textMessageReceived, &socket,
            [&opened](const QString &text) { opened |= text.contains(u"\"session\""_s); });
        if (!QTest::qWaitFor([&opened] { return opened; }, 10000)) {
            std::fprintf(stderr, "round %d: the WebSocket session did not open\n", round + 1);
            continue;
        }

        // Alternating which goes first, so llama-server's prompt cache favours neither.
        Sample viaServer, viaDirect;
        if (round % 2 == 0) {
            viaServer = throughServer(&socket, prompt);
            viaDirect = direct(&network, baseUrl, body);
        } else {
            viaDirect = direct(&network, baseUrl, body);
            viaServer = throughServer(&socket, prompt);
        }
        socket.close();
        // The session's summary is written by the same llama-server: wait for it, so it does not
        // compete with the next round.
        const QUrl session = server.url().resolved(QUrl(u"/api/sessions/"_s + sessionId));
        if (!QTest::qWaitFor(
                [&] {
                    return !TestHttp::get(session).json().value(u"summary"_s).toString().isEmpty();
                },
                kTurnTimeoutMs))
            std::fprintf(stderr, "round %d: no summary in time\n", round + 1);
        if (viaServer.ok) {
            serverRates << viaServer.decodeTokensPerSecond;
            serverTtft << viaServer.ttftMs;
            serverTokens += viaServer.completionTokens;
        }
        if (viaDirect.ok) {
            directRates << viaDirect.decodeTokensPerSecond;
            directTtft << viaDirect.ttftMs;
            directTokens += viaDirect.completionTokens;
        }
        std::printf("round %d: server %.1f tok/s (%d tokens, ttft %.0f ms) · direct %.1f tok/s "
                    "(%d tokens, ttft %.0f ms)\n",
                    round + 1, viaServer.decodeTokensPerSecond, viaServer.completionTokens,
                    viaServer.ttftMs, viaDirect.decodeTokensPerSecond, viaDirect.completionTokens,
                    viaDirect.ttftMs);
        std::fflush(stdout);
    }
    server.terminate();
    server.waitForExit(15000);

    const double serverRate = median(serverRates);
    const double directRate = median(directRates);
    std::printf("\nmodel %s, %d rounds, prompt \"%s\"\n", qPrintable(model), rounds,
                qPrintable(prompt));
    std::printf("through our server: median %.1f tok/s, ttft p50 %.0f ms (%d samples, %d tokens)\n",
                serverRate, median(serverTtft), int(serverRates.size()), serverTokens);
    std::printf(
        "llama-server direct: median %.1f tok/s, ttft p50 %.0f ms (%d samples, %d tokens)\n",
        directRate, median(directTtft), int(directRates.size()), directTokens);
    std::printf("ratio (server / direct): %.2f\n", directRate > 0 ? serverRate / directRate : 0.0);
    return serverRates.isEmpty() || directRates.isEmpty() ? 1 : 0;
}
