#include "tools/ToolRegistry.h"

#include "core/Logging.h"
#include "tools/CalculateShippingTool.h"
#include "tools/CalculatorTool.h"
#include "tools/GetCurrentTimeTool.h"
#include "tools/JsonSchemaValidator.h"

#include <QElapsedTimer>
#include <QException>
#include <QFutureWatcher>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPromise>
#include <QRegularExpression>
#include <QTimer>
#include <climits>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

QString durationText(std::chrono::milliseconds timeout) {
    const auto ms = timeout.count();
    if (ms < 1000 || ms % 1000 != 0)
        return u"%1 ms"_s.arg(ms);
    return u"%1 s"_s.arg(ms / 1000);
}

QString snippet(const QString &text) {
    return text.size() > 80 ? text.left(77) + u"..."_s : text;
}

// The result of a finished tool future; failed and cancelled futures become error results.
ToolResult outcome(QFuture<ToolResult> future, const QString &tool) {
    try {
        future.waitForFinished(); // already finished: does not block, rethrows a stored exception
        if (future.resultCount() > 0) {
            ToolResult result = future.resultAt(0);
            if (!result.ok && result.error.isEmpty())
                result.error = u"%1 failed without saying why"_s.arg(tool);
            return result;
        }
        return ToolResult::failure(u"%1 was cancelled before it produced a result"_s.arg(tool));
    } catch (const QUnhandledException &wrapper) {
        // QtConcurrent wraps exceptions that are not QExceptions; report the original.
        if (wrapper.exception()) {
            try {
                std::rethrow_exception(wrapper.exception());
            } catch (const std::exception &error) {
                return ToolResult::failure(
                    u"%1 failed: %2"_s.arg(tool, QString::fromUtf8(error.what())));
            } catch (...) {
            }
        }
        return ToolResult::failure(u"%1 failed with an unknown error"_s.arg(tool));
    } catch (const std::exception &error) {
        return ToolResult::failure(u"%1 failed: %2"_s.arg(tool, QString::fromUtf8(error.what())));
    } catch (...) {
        return ToolResult::failure(u"%1 failed with an unknown error"_s.arg(tool));
    }
}

class PendingCall {
public:
    explicit PendingCall(const ToolCall &call)
        : m_call(call) {
        m_promise.start();
        m_elapsed.start();
    }

    QFuture<ToolResult> future() { return m_promise.future(); }

    // The first result wins; later ones (a tool answering after its timeout) are ignored.
    void settle(const ToolResult &result) {
        if (m_settled)
            return;
        m_settled = true;
        if (result.ok)
            qCInfo(lcTools).noquote()
                << "call" << m_call.id << m_call.name << "ok in" << m_elapsed.elapsed() << "ms";
        else
            qCWarning(lcTools).noquote() << "call" << m_call.id << m_call.name << "failed in"
                                         << m_elapsed.elapsed() << "ms:" << result.error;
        m_promise.addResult(result);
        m_promise.finish();
    }

private:
    ToolCall m_call;
    QPromise<ToolResult> m_promise;
    QElapsedTimer m_elapsed;
    bool m_settled = false;
};

} // namespace

ToolRegistry::ToolRegistry(QObject *parent)
    : QObject(parent) {}

ToolRegistry::~ToolRegistry() = default;

void ToolRegistry::add(std::unique_ptr<Tool> tool) {
    if (!tool)
        return;
    static const QRegularExpression validName(u"^[a-zA-Z0-9_-]{1,64}$"_s);
    const QString name = tool->name();
    if (!validName.match(name).hasMatch()) {
        qCWarning(lcTools) << "tool name" << name
                           << "refused: use 1 to 64 letters, digits, '_' or '-'";
        return;
    }
    for (auto &existing : m_tools) {
        if (existing->name() == name) {
            qCInfo(lcTools) << "tool" << name << "replaced";
            existing = std::move(tool);
            return;
        }
    }
    m_tools.push_back(std::move(tool));
}

void ToolRegistry::addBuiltinTools() {
    add(std::make_unique<CalculateShippingTool>());
    add(std::make_unique<CalculatorTool>());
    add(std::make_unique<GetCurrentTimeTool>());
}

QJsonArray ToolRegistry::openAiTools() const {
    QJsonArray tools;
    for (const auto &tool : m_tools)
        tools.append(
            QJsonObject{{u"type"_s, u"function"_s},
                        {u"function"_s, QJsonObject{{u"name"_s, tool->name()},
                                                    {u"description"_s, tool->description()},
                                                    {u"parameters"_s, tool->parametersSchema()}}}});
    return tools;
}

QStringList ToolRegistry::names() const {
    QStringList list;
    for (const auto &tool : m_tools)
        list << tool->name();
    return list;
}

Tool *ToolRegistry::tool(const QString &name) const {
    for (const auto &tool : m_tools) {
        if (tool->name() == name)
            return tool.get();
    }
    return nullptr;
}

QFuture<ToolResult> ToolRegistry::invoke(const ToolCall &call) {
    auto pending = std::make_shared<PendingCall>(call);
    QFuture<ToolResult> result = pending->future();

    Tool *target = tool(call.name);
    if (!target) {
        const QStringList available = names();
        pending->settle(ToolResult::failure(u"unknown tool \"%1\"; available tools: %2"_s.arg(
            call.name, available.isEmpty() ? u"(none)"_s : available.join(u", "_s))));
        return result;
    }

    QJsonObject arguments;
    const QString text = call.arguments.trimmed();
    if (!text.isEmpty()) { // some models send "" for a call without arguments
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &parseError);
        if (parseError.error != QJsonParseError::NoError) {
            pending->settle(ToolResult::failure(
                u"the arguments of %1 are not valid JSON (%2 at offset %3): %4; send a JSON "
                "object with the parameters"_s.arg(call.name, parseError.errorString())
                    .arg(parseError.offset)
                    .arg(snippet(text))));
            return result;
        }
        if (!document.isObject()) {
            pending->settle(ToolResult::failure(
                u"the arguments of %1 must be a JSON object with the parameters, got %2"_s.arg(
                    call.name, snippet(text))));
            return result;
        }
        arguments = document.object();
    }

    QFuture<ToolResult> running;
    std::chrono::milliseconds timeout{};
    try {
        const QStringList errors =
            JsonSchemaValidator::validate(arguments, target->parametersSchema());
        if (!errors.isEmpty()) {
            pending->settle(ToolResult::failure(
                u"invalid arguments for %1: %2"_s.arg(call.name, errors.join(u"; "_s))));
            return result;
        }
        timeout = std::clamp(target->timeout(), std::chrono::milliseconds(1),
                             std::chrono::milliseconds(INT_MAX));
        qCDebug(lcTools).noquote() << "call" << call.id << call.name << text;
        running = target->invoke(arguments);
    } catch (const std::exception &error) {
        pending->settle(ToolResult::failure(
            u"%1 failed: %2"_s.arg(call.name, QString::fromUtf8(error.what()))));
        return result;
    } catch (...) {
        pending->settle(ToolResult::failure(u"%1 failed with an unknown error"_s.arg(call.name)));
        return result;
    }

    if (running.isFinished()) {
        pending->settle(outcome(running, call.name));
        return result;
    }

    auto *watcher = new QFutureWatcher<ToolResult>(this);
    auto *timer = new QTimer(watcher);
    timer->setSingleShot(true);
    timer->setTimerType(Qt::PreciseTimer);
    const QString name = call.name;
    connect(watcher, &QFutureWatcherBase::finished, this, [pending, watcher, name] {
        pending->settle(outcome(watcher->future(), name));
        watcher->deleteLater();
    });
    connect(timer, &QTimer::timeout, this, [pending, watcher, name, timeout] {
        pending->settle(ToolResult::failure(
            u"%1 timed out after %2 without a result; try again later or without this tool"_s.arg(
                name, durationText(timeout))));
        watcher->disconnect();
        watcher->future().cancel(); // a tool may check QPromise::isCanceled() to stop early
        watcher->deleteLater();
    });
    watcher->setFuture(running);
    timer->start(static_cast<int>(timeout.count()));
    return result;
}
