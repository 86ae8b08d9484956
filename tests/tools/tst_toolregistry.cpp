#include "tools/ToolRegistry.h"

#include <QException>
#include <QJsonArray>
#include <QJsonObject>
#include <QPointer>
#include <QPromise>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QtConcurrent>
#include <atomic>
#include <stdexcept>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

class ToolFailure : public QException {
public:
    explicit ToolFailure(const char *message)
        : m_message(message) {}
    const char *what() const noexcept override { return m_message; }
    void raise() const override { throw *this; }
    ToolFailure *clone() const override { return new ToolFailure(*this); }

private:
    const char *m_message;
};

// A tool defined by a lambda, for the cases the built-ins cannot produce.
class TestTool : public Tool {
public:
    using Body = std::function<QFuture<ToolResult>(const QJsonObject &)>;
    TestTool(const QString &name, Body body, std::chrono::milliseconds timeout = 10s,
             QJsonObject schema = QJsonObject{{u"type"_s, u"object"_s}})
        : m_name(name)
        , m_body(std::move(body))
        , m_timeout(timeout)
        , m_schema(std::move(schema)) {}

    QString name() const override { return m_name; }
    QString description() const override { return u"test tool"_s; }
    QJsonObject parametersSchema() const override { return m_schema; }
    std::chrono::milliseconds timeout() const override { return m_timeout; }
    QFuture<ToolResult> invoke(const QJsonObject &arguments) override { return m_body(arguments); }

private:
    QString m_name;
    Body m_body;
    std::chrono::milliseconds m_timeout;
    QJsonObject m_schema;
};

bool waitFor(QFuture<ToolResult> &future) {
    return QTest::qWaitFor([&] { return future.isFinished(); }, 10000);
}

ToolResult resultOf(ToolRegistry &registry, const ToolCall &call) {
    QFuture<ToolResult> future = registry.invoke(call);
    if (!waitFor(future) || future.resultCount() != 1)
        return ToolResult::failure(u"test: no single result"_s);
    return future.resultAt(0);
}

// Answers with a result fulfilled by a timer after `delay`; `answered` counts the answers given.
TestTool::Body delayedAnswer(std::chrono::milliseconds delay,
                             std::shared_ptr<std::atomic<int>> answered) {
    return [delay, answered](const QJsonObject &) {
        auto promise = std::make_shared<QPromise<ToolResult>>();
        promise->start();
        QTimer::singleShot(delay, qApp, [promise, answered] {
            promise->addResult(ToolResult::success(u"late"_s));
            promise->finish();
            ++*answered;
        });
        return promise->future();
    };
}

} // namespace

class TestToolRegistry : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void builtinsAreOfferedToTheModel() {
        ToolRegistry registry;
        registry.addBuiltinTools();
        QCOMPARE(registry.names(),
                 (QStringList{u"calculate_shipping"_s, u"calculator"_s, u"get_current_time"_s}));
        const QJsonArray tools = registry.openAiTools();
        QCOMPARE(tools.size(), 3);
        for (qsizetype i = 0; i < tools.size(); ++i) {
            const QJsonObject tool = tools.at(i).toObject();
            QCOMPARE(tool.value(u"type"_s), u"function"_s);
            const QJsonObject function = tool.value(u"function"_s).toObject();
            QCOMPARE(function.value(u"name"_s).toString(), registry.names().at(i));
            QVERIFY(!function.value(u"description"_s).toString().isEmpty());
            const QJsonObject parameters = function.value(u"parameters"_s).toObject();
            QCOMPARE(parameters.value(u"type"_s), u"object"_s);
            QVERIFY(parameters.value(u"properties"_s).isObject());
        }
        const QJsonObject shipping = tools.at(0)
                                         .toObject()
                                         .value(u"function"_s)
                                         .toObject()
                                         .value(u"parameters"_s)
                                         .toObject();
        QCOMPARE(shipping.value(u"required"_s).toArray(),
                 (QJsonArray{u"weight_kg"_s, u"destination"_s}));
    }

    void addReplacesAToolOfTheSameNameAndRefusesBadNames() {
        ToolRegistry registry;
        registry.addBuiltinTools();
        registry.add(std::make_unique<TestTool>(u"calculator"_s, [](const QJsonObject &) {
            return QtFuture::makeReadyFuture(ToolResult::success(u"replaced"_s));
        }));
        QCOMPARE(registry.names().size(), 3);
        QCOMPARE(resultOf(registry, {u"c1"_s, u"calculator"_s, u"{}"_s}).value, u"replaced"_s);

        registry.add(std::make_unique<TestTool>(u"has space"_s, [](const QJsonObject &) {
            return QtFuture::makeReadyFuture(ToolResult());
        }));
        registry.add(nullptr);
        QCOMPARE(registry.names().size(), 3);
        QVERIFY(!registry.tool(u"has space"_s));
    }

    void unknownToolListsTheAvailableOnes() {
        ToolRegistry registry;
        registry.addBuiltinTools();
        const ToolResult result = resultOf(registry, {u"c1"_s, u"weather"_s, u"{}"_s});
        QVERIFY(!result.ok);
        QCOMPARE(result.error, u"unknown tool \"weather\"; available tools: calculate_shipping, "
                               "calculator, get_current_time"_s);
        QCOMPARE(result.toModelText(),
                 u"{\"error\":\"unknown tool \\\"weather\\\"; available tools: calculate_shipping, "
                 "calculator, get_current_time\"}"_s);
    }

    void invalidJsonArguments_data() {
        QTest::addColumn<QString>("arguments");
        QTest::addColumn<QString>("error");
        QTest::newRow("truncated") << u"{\"weight_kg\": 5,"_s
                                   << u"the arguments of calculate_shipping are not valid JSON ("_s;
        QTest::newRow("single quotes") << u"{'weight_kg': 5}"_s << u"are not valid JSON"_s;
        QTest::newRow("prose") << u"ship 5kg to the US"_s << u"are not valid JSON"_s;
        QTest::newRow("array") << u"[5, \"US\"]"_s
                               << u"the arguments of calculate_shipping must be a JSON object"_s;
        QTest::newRow("empty means no arguments")
            << u""_s << u"invalid arguments for calculate_shipping: weight_kg: is required"_s;
    }

    void invalidJsonArguments() {
        QFETCH(QString, arguments);
        QFETCH(QString, error);
        ToolRegistry registry;
        registry.addBuiltinTools();
        const ToolResult result = resultOf(registry, {u"c1"_s, u"calculate_shipping"_s, arguments});
        QVERIFY(!result.ok);
        QVERIFY2(result.error.startsWith(error) || result.error.contains(error),
                 qPrintable(result.error));
    }

    void schemaViolationsNeverReachTheTool() {
        ToolRegistry registry;
        bool ran = false;
        registry.add(std::make_unique<TestTool>(
            u"strict"_s,
            [&ran](const QJsonObject &) {
                ran = true;
                return QtFuture::makeReadyFuture(ToolResult::success(true));
            },
            10s,
            QJsonObject{
                {u"type"_s, u"object"_s},
                {u"properties"_s,
                 QJsonObject{{u"n"_s, QJsonObject{{u"type"_s, u"integer"_s}, {u"minimum"_s, 1}}}}},
                {u"required"_s, QJsonArray{u"n"_s}}}));
        const ToolResult result = resultOf(registry, {u"c1"_s, u"strict"_s, u"{\"n\":0}"_s});
        QVERIFY(!result.ok);
        QCOMPARE(result.error,
                 u"invalid arguments for strict: n: must be an integer at least 1, got 0"_s);
        QVERIFY(!ran);
        QVERIFY(resultOf(registry, {u"c2"_s, u"strict"_s, u"{\"n\":1}"_s}).ok);
        QVERIFY(ran);
    }

    void seedShippingCall() {
        ToolRegistry registry;
        registry.addBuiltinTools();
        const ToolResult result =
            resultOf(registry, {u"call_abc"_s, u"calculate_shipping"_s,
                                u"{\"weight_kg\":5,\"destination\":\"US\"}"_s});
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.value[u"cost"_s].toDouble(), 15.0);
    }

    void timeoutIgnoresTheLateResult() {
        ToolRegistry registry;
        auto answered = std::make_shared<std::atomic<int>>(0);
        registry.add(std::make_unique<TestTool>(u"slow"_s, delayedAnswer(400ms, answered), 50ms));
        QFuture<ToolResult> future = registry.invoke({u"c1"_s, u"slow"_s, u"{}"_s});
        QVERIFY(waitFor(future));
        QCOMPARE(future.resultCount(), 1);
        QVERIFY(!future.resultAt(0).ok);
        QCOMPARE(future.resultAt(0).error,
                 u"slow timed out after 50 ms without a result; try again later or without this "
                 "tool"_s);
        QCOMPARE(answered->load(), 0);

        QTRY_COMPARE_WITH_TIMEOUT(answered->load(), 1, 10000); // the late answer arrives...
        QCoreApplication::processEvents();
        QCOMPARE(future.resultCount(), 1); // ...and changes nothing
        QVERIFY(!future.resultAt(0).ok);
    }

    void aToolWithinItsTimeoutAnswers() {
        ToolRegistry registry;
        auto answered = std::make_shared<std::atomic<int>>(0);
        registry.add(std::make_unique<TestTool>(u"slowish"_s, delayedAnswer(20ms, answered), 30s));
        const ToolResult result = resultOf(registry, {u"c1"_s, u"slowish"_s, u"{}"_s});
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.value, u"late"_s);
    }

    void exceptionsBecomeErrorResults() {
        ToolRegistry registry;
        registry.add(
            std::make_unique<TestTool>(u"throws"_s, [](const QJsonObject &) -> QFuture<ToolResult> {
                throw std::runtime_error("the rate service is down");
            }));
        registry.add(std::make_unique<TestTool>(
            u"throws_anything"_s, [](const QJsonObject &) -> QFuture<ToolResult> { throw 42; }));
        registry.add(std::make_unique<TestTool>(u"fails_in_thread"_s, [](const QJsonObject &) {
            return QtConcurrent::run([]() -> ToolResult {
                QThread::msleep(10);
                throw ToolFailure("disk full");
            });
        }));
        registry.add(std::make_unique<TestTool>(u"std_in_thread"_s, [](const QJsonObject &) {
            return QtConcurrent::run([]() -> ToolResult { throw std::out_of_range("index 7"); });
        }));
        registry.add(std::make_unique<TestTool>(u"cancelled"_s, [](const QJsonObject &) {
            QPromise<ToolResult> promise;
            promise.start();
            return promise.future(); // destroyed unfinished: cancelled
        }));
        registry.add(std::make_unique<TestTool>(
            u"default_future"_s, [](const QJsonObject &) { return QFuture<ToolResult>(); }));
        registry.add(std::make_unique<TestTool>(u"silent_failure"_s, [](const QJsonObject &) {
            return QtFuture::makeReadyFuture(ToolResult{});
        }));

        const QList<QPair<QString, QString>> expected = {
            {u"throws"_s, u"throws failed: the rate service is down"_s},
            {u"throws_anything"_s, u"throws_anything failed with an unknown error"_s},
            {u"fails_in_thread"_s, u"fails_in_thread failed: disk full"_s},
            {u"std_in_thread"_s, u"std_in_thread failed: index 7"_s},
            {u"cancelled"_s, u"cancelled was cancelled before it produced a result"_s},
            {u"default_future"_s, u"default_future was cancelled before it produced a result"_s},
            {u"silent_failure"_s, u"silent_failure failed without saying why"_s},
        };
        for (const auto &[tool, error] : expected) {
            const ToolResult result = resultOf(registry, {u"c1"_s, tool, u"{}"_s});
            QVERIFY2(!result.ok, qPrintable(tool));
            QCOMPARE(result.error, error);
        }
    }

    void concurrentInvocations() {
        ToolRegistry registry;
        registry.addBuiltinTools();
        registry.add(std::make_unique<TestTool>(u"echo"_s, [](const QJsonObject &arguments) {
            return QtConcurrent::run([arguments] {
                QThread::msleep(5 + arguments.value(u"n"_s).toInt() % 7);
                return ToolResult::success(arguments.value(u"n"_s).toInt() * 10);
            });
        }));
        auto answered = std::make_shared<std::atomic<int>>(0);
        registry.add(std::make_unique<TestTool>(u"slow"_s, delayedAnswer(2s, answered), 100ms));

        QList<QFuture<ToolResult>> echoes;
        QList<QFuture<ToolResult>> sums;
        QList<QFuture<ToolResult>> slows;
        for (int n = 0; n < 24; ++n) {
            echoes << registry.invoke({u"e%1"_s.arg(n), u"echo"_s, u"{\"n\":%1}"_s.arg(n)});
            sums << registry.invoke(
                {u"s%1"_s.arg(n), u"calculator"_s, u"{\"expression\":\"%1 + %1\"}"_s.arg(n)});
            if (n % 8 == 0)
                slows << registry.invoke({u"w%1"_s.arg(n), u"slow"_s, u"{}"_s});
        }
        for (qsizetype n = 0; n < echoes.size(); ++n) {
            QVERIFY(waitFor(echoes[n]));
            QVERIFY(waitFor(sums[n]));
            QCOMPARE(echoes[n].resultAt(0).value.toInt(), n * 10);
            QCOMPARE(sums[n].resultAt(0).value[u"result"_s].toInt(), n * 2);
        }
        for (QFuture<ToolResult> &slow : slows) {
            QVERIFY(waitFor(slow));
            QVERIFY(slow.resultAt(0).error.contains(u"timed out"_s));
        }
    }

    void destroyingTheRegistryWithCallsInFlight() {
        auto answered = std::make_shared<std::atomic<int>>(0);
        QFuture<ToolResult> future;
        {
            ToolRegistry registry;
            registry.add(std::make_unique<TestTool>(u"slow"_s, delayedAnswer(50ms, answered), 10s));
            future = registry.invoke({u"c1"_s, u"slow"_s, u"{}"_s});
            QVERIFY(!future.isFinished());
        }
        QVERIFY(future.isFinished()); // cancelled: nobody waits forever
        QCOMPARE(future.resultCount(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(answered->load(), 1, 10000); // and the late answer is harmless
    }
};

QTEST_GUILESS_MAIN(TestToolRegistry)
#include "tst_toolregistry.moc"
