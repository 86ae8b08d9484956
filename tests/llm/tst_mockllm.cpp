// The mock-llm executable and its rules, driven by the real LlmClient over real HTTP.
#include "fixtures/MockLlmRules.h"
#include "fixtures/MockLlmServer.h"
#include "llm/LlmClient.h"
#include "llm/LlmStream.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

QJsonObject tool(const QString &name) {
    return QJsonObject{
        {u"type"_s, u"function"_s},
        {u"function"_s, QJsonObject{{u"name"_s, name},
                                    {u"description"_s, name},
                                    {u"parameters"_s, QJsonObject{{u"type"_s, u"object"_s}}}}}};
}

struct Answer {
    bool ok = false;
    LlmResult result;
    LlmError error;
    int attempts = 0;
};

} // namespace

class TestMockLlm : public QObject {
    Q_OBJECT

    QProcess *m_process = nullptr;
    QUrl m_baseUrl;

    bool startMockLlm(const QStringList &arguments) {
        m_process = new QProcess(this);
        m_process->setProcessChannelMode(QProcess::SeparateChannels);
        m_process->start(MockLlmServer::executablePath(), arguments);
        if (!m_process->waitForStarted(10000))
            return false;
        if (!QTest::qWaitFor([this] { return m_process->canReadLine(); }, 10000))
            return false;
        const QByteArray line = m_process->readLine().trimmed();
        if (!line.startsWith("PORT "))
            return false;
        m_baseUrl = QUrl(u"http://127.0.0.1:%1/v1"_s.arg(QString::fromLatin1(line.mid(5))));
        return true;
    }

    Answer ask(const QList<ChatMessage> &messages, const QJsonArray &tools = {},
               int maxRetries = 0) {
        LlmSettings settings;
        settings.baseUrl = m_baseUrl;
        settings.model = u"mock"_s;
        settings.maxRetries = maxRetries;
        settings.retryBaseDelayMs = 5;
        LlmClient client(settings);
        ChatRequest request;
        request.messages = messages;
        request.tools = tools;
        LlmStream *stream = client.stream(request, &client);
        Answer answer;
        bool done = false;
        connect(stream, &LlmStream::finished, this, [&](const LlmResult &result) {
            answer.ok = true;
            answer.result = result;
            done = true;
        });
        connect(stream, &LlmStream::failed, this, [&](const LlmError &error, const LlmResult &) {
            answer.error = error;
            done = true;
        });
        if (!QTest::qWaitFor([&] { return done; }, 15000))
            qWarning("no answer from mock-llm");
        answer.attempts = stream->attempts();
        return answer;
    }

private Q_SLOTS:
    void cleanup() {
        if (m_process) {
            m_process->kill();
            m_process->waitForFinished(5000);
            delete m_process;
            m_process = nullptr;
        }
    }

    void walkThrough() {
        QVERIFY(startMockLlm({u"--token-delay-ms"_s, u"2"_s}));
        const ChatMessage system = ChatMessage::system(u"You are a helpful assistant."_s);
        const QJsonArray tools{tool(u"calculate_shipping"_s), tool(u"calculator"_s),
                               tool(u"get_current_time"_s)};
        QList<ChatMessage> history{system, ChatMessage::user(u"Hello, my name is Ada."_s)};

        Answer answer = ask(history, tools);
        QVERIFY2(answer.ok, qPrintable(answer.error.message));
        QVERIFY2(answer.result.content.contains(u"Ada"_s), qPrintable(answer.result.content));
        QVERIFY(answer.result.usage.promptTokens > 0);
        QVERIFY(answer.result.usage.completionTokens > 0);
        history.append(ChatMessage::assistant(answer.result.content));

        history.append(ChatMessage::user(u"Can you ship a 5 kg parcel to the US?"_s));
        answer = ask(history, tools);
        QVERIFY(answer.ok);
        QCOMPARE(answer.result.finishReason, u"tool_calls"_s);
        QCOMPARE(answer.result.toolCalls.size(), 1);
        const ToolCall shipping = answer.result.toolCalls.first();
        QCOMPARE(shipping.name, u"calculate_shipping"_s);
        QCOMPARE(QJsonDocument::fromJson(shipping.arguments.toUtf8()).object(),
                 MockLlmRules::shippingArguments());
        QCOMPARE(MockLlmRules::shippingArguments().value("destination"_L1).toString(), u"US"_s);
        history.append(ChatMessage::assistant(QString(), {shipping}));
        history.append(ChatMessage::toolResult(
            shipping.id, shipping.name,
            uR"({"destination":"US","country":"United States","weight_kg":5,"cost":12.5,)"
            uR"("currency":"USD","delivery_estimate":"3-5 business days"})"_s));
        answer = ask(history, tools);
        QVERIFY(answer.ok);
        QVERIFY(answer.result.toolCalls.isEmpty());
        QVERIFY2(answer.result.content.contains(u"$12.50"_s), qPrintable(answer.result.content));
        QVERIFY2(answer.result.content.contains(u"3-5 business days"_s),
                 qPrintable(answer.result.content));
        history.append(ChatMessage::assistant(answer.result.content));

        history.append(ChatMessage::user(u"What is 10 + 2?"_s));
        answer = ask(history, tools);
        QCOMPARE(answer.result.toolCalls.size(), 1);
        const ToolCall calculator = answer.result.toolCalls.first();
        QCOMPARE(calculator.name, u"calculator"_s);
        QCOMPARE(QJsonDocument::fromJson(calculator.arguments.toUtf8())
                     .object()
                     .value("expression"_L1)
                     .toString(),
                 u"10 + 2"_s);
        history.append(ChatMessage::assistant(QString(), {calculator}));
        history.append(ChatMessage::toolResult(calculator.id, calculator.name,
                                               uR"({"expression":"10 + 2","result":12})"_s));
        answer = ask(history, tools);
        QVERIFY2(answer.result.content.contains(u"12"_s), qPrintable(answer.result.content));
        history.append(ChatMessage::assistant(answer.result.content));

        history.append(ChatMessage::user(u"What is my name?"_s));
        answer = ask(history, tools);
        QCOMPARE(answer.result.content, u"Your name is Ada."_s);
    }

    void arithmeticWithoutTools() {
        QVERIFY(startMockLlm({}));
        const Answer answer = ask({ChatMessage::user(u"What is 10 + 2?"_s)});
        QVERIFY(answer.ok);
        QVERIFY(answer.result.toolCalls.isEmpty());
        QCOMPARE(answer.result.content, u"10 + 2 = 12."_s);
        QCOMPARE(ask({ChatMessage::user(u"and (2 + 3) * 4 ^ 2 / 8?"_s)}).result.content,
                 u"(2 + 3) * 4 ^ 2 / 8 = 10."_s);
    }

    void toolErrorsAreReported() {
        QVERIFY(startMockLlm({}));
        const ToolCall call{u"call_1"_s, u"calculate_shipping"_s, u"{}"_s};
        const Answer answer =
            ask({ChatMessage::user(u"ship it to Mars"_s), ChatMessage::assistant(QString(), {call}),
                 ChatMessage::toolResult(call.id, call.name,
                                         uR"({"error":"we do not ship there"})"_s)});
        QVERIFY(answer.result.content.contains(u"we do not ship there"_s));
    }

    // The seed's walk-through, word for word.
    void seedWalkThrough() {
        QVERIFY(startMockLlm({}));
        const QJsonArray tools{tool(u"calculate_shipping"_s), tool(u"calculator"_s)};
        QList<ChatMessage> history{ChatMessage::user(u"Hello, I'm Grace"_s)};
        Answer answer = ask(history, tools);
        QCOMPARE(answer.result.content, u"Nice to meet you, Grace! How can I help you today?"_s);
        history.append(ChatMessage::assistant(answer.result.content));
        history.append(ChatMessage::user(u"How much to ship 5kg to the US?"_s));
        answer = ask(history, tools);
        QCOMPARE(answer.result.toolCalls.size(), 1);
        QCOMPARE(answer.result.toolCalls.first().name, u"calculate_shipping"_s);
        history.append(ChatMessage::assistant(QString(), answer.result.toolCalls));
        history.append(ChatMessage::toolResult(answer.result.toolCalls.first().id,
                                               u"calculate_shipping"_s, u"{\"cost\":9}"_s));
        history.append(ChatMessage::assistant(ask(history, tools).result.content));
        history.append(ChatMessage::user(u"What is my name?"_s));
        QCOMPARE(ask(history, tools).result.content, u"Your name is Grace."_s);
        // "I am fine" is not a name.
        QCOMPARE(ask({ChatMessage::user(u"I am fine, what is my name?"_s)}).result.content,
                 u"I don't know your name yet. What is it?"_s);
    }

    void scriptedCommands() {
        QVERIFY(startMockLlm({u"--token-delay-ms"_s, u"1"_s}));
        const QString text = u"Exactly  this,\n  with **Markdown** and 🌍 "_s;
        QCOMPARE(ask({ChatMessage::user(u"echo: "_s + text)}).result.content, text);

        const QString arguments = u"{\"expression\": \"2 * 21\"}"_s;
        Answer answer = ask({ChatMessage::user(u"call calculator "_s + arguments)});
        QCOMPARE(answer.result.toolCalls.size(), 1);
        const ToolCall call = answer.result.toolCalls.first();
        QCOMPARE(call.name, u"calculator"_s);
        QCOMPARE(call.arguments, arguments);
        const QString result = u"{\"expression\":\"2 * 21\",\"result\":42}"_s;
        answer = ask({ChatMessage::user(u"call calculator "_s + arguments),
                      ChatMessage::assistant(QString(), {call}),
                      ChatMessage::toolResult(call.id, call.name, result)});
        QCOMPARE(answer.result.content, u"Tool said: "_s + result);

        // Invalid JSON is passed on as the model would have produced it.
        const QList<ToolCall> invalid =
            ask({ChatMessage::user(u"call calculator {not json}"_s)}).result.toolCalls;
        QCOMPARE(invalid.size(), 1);
        QCOMPARE(invalid.first().arguments, u"{not json}"_s);

        QCOMPARE(ask({ChatMessage::user(u"long: 5"_s)}).result.content, u"w1 w2 w3 w4 w5"_s);
        // "call me Ada" is an introduction, not a command.
        QVERIFY(ask({ChatMessage::user(u"call me Ada"_s)}).result.toolCalls.isEmpty());
    }

    void unknownName() {
        QVERIFY(startMockLlm({}));
        QVERIFY(ask({ChatMessage::user(u"What is my name?"_s)})
                    .result.content.contains(u"don't know"_s));
    }

    void summary() {
        QVERIFY(startMockLlm({}));
        const Answer answer = ask(
            {ChatMessage::system(u"Summarize this conversation between a user and an assistant."_s),
             ChatMessage::user(u"user: Hi, I'm Grace.\nassistant: Hello Grace!\nuser: Please ship "
                               "2 kg to Canada.\nassistant: That costs $13.00."_s)});
        QVERIFY(answer.ok);
        QVERIFY2(answer.result.content.contains(u"Grace"_s), qPrintable(answer.result.content));
        QVERIFY2(answer.result.content.contains(u"shipping"_s), qPrintable(answer.result.content));

        // A rolling summary in the system prompt is memory, not a request to summarize.
        const Answer name = ask(
            {ChatMessage::system(u"Summary of the earlier part of this conversation:\nThe user's "
                                 "name is Grace."_s),
             ChatMessage::user(u"What is my name?"_s)});
        QCOMPARE(name.result.content, u"Your name is Grace."_s);
    }

    void failFirst() {
        QVERIFY(startMockLlm({u"--fail-first"_s, u"2"_s}));
        const Answer answer = ask({ChatMessage::user(u"Hello"_s)}, {}, 3);
        QVERIFY2(answer.ok, qPrintable(answer.error.message));
        QCOMPARE(answer.attempts, 3);
        QCOMPARE(answer.result.content, u"Hello! How can I help you today?"_s);

        const Answer without = ask({ChatMessage::user(u"Hello"_s)}, {}, 0);
        QVERIFY(without.ok); // the first two requests are behind us
    }

    void exitsCleanlyOnSigterm() {
        QVERIFY(startMockLlm({}));
        QVERIFY(ask({ChatMessage::user(u"Hello"_s)}).ok);
        m_process->terminate();
        QVERIFY(m_process->waitForFinished(10000));
        QCOMPARE(m_process->exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_process->exitCode(), 0);
    }

    void rejectsBadArguments() {
        QProcess process;
        process.start(MockLlmServer::executablePath(), {u"--port"_s, u"banana"_s});
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitCode(), 2);
        QVERIFY(process.readAllStandardError().contains("--port"));
    }
};

QTEST_GUILESS_MAIN(TestMockLlm)
#include "tst_mockllm.moc"
