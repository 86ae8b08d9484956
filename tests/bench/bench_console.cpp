// The console under load: 1,000 live sessions, each streaming tokens, with the main window shown
// and one session's transcript open. Measures how late the event loop runs (a probe timer's
// lateness) and how many table repaints the tokens cause. Run with scripts/bench bench_console.
#include "app/Backend.h"
#include "chat/Conversation.h"
#include "chat/ConversationFeed.h"
#include "core/Ids.h"
#include "core/Timestamps.h"
#include "llm/LlmClient.h"
#include "storage/Database.h"
#include "tools/ToolRegistry.h"
#include "ui/MainWindow.h"
#include "ui/SessionDetailWidget.h"
#include "ui/SessionMonitor.h"
#include "ui/SessionTableModel.h"
#include "ui/TranscriptView.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

constexpr int Sessions = 1000;
constexpr int TickMs = 20; // every session streams one token per tick: 50 tokens/s each
constexpr int ProbeMs = 5; // the probe expects to run every 5 ms
constexpr int DurationMs = 10000;
constexpr int TokensPerTurn = 200;

double percentile(QList<double> values, double p) {
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    return values.at(qMin(values.size() - 1, qsizetype(p * double(values.size()))));
}

} // namespace

int main(int argc, char **argv) {
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QTemporaryDir dir;

    Config config;
    config.configFile = dir.filePath(u"realtime-ai.conf"_s);
    MainWindow window(config, Backend::factory());
    window.resize(1400, 900);
    window.show();

    // Conversations are only used for their signals here: no LLM request is ever made.
    Database database;
    LlmClient llm(LlmSettings{});
    ToolRegistry tools;
    QList<Conversation *> conversations;
    for (int i = 0; i < Sessions; ++i) {
        const QUuid id = Ids::newSessionId();
        auto *conversation = new Conversation(id, &llm, &tools, &database, ChatSettings{}, &app);
        conversations << conversation;
        auto *feed = new ConversationFeed(id, conversation, app.thread()); // as the Backend's
        feed->setParent(conversation);
        window.monitor()->attach(id, u"user-%1"_s.arg(i), feed);
    }
    // The transcript of one live session is open and streaming too.
    TranscriptView *transcript = window.detail()->transcript();
    QObject::connect(conversations.first(), &Conversation::contentDelta, transcript,
                     &TranscriptView::appendStreamingText);

    int tableUpdates = 0;
    QObject::connect(window.sessionModel(), &QAbstractItemModel::dataChanged,
                     [&tableUpdates] { ++tableUpdates; });

    qint64 tokens = 0;
    qint64 emitNs = 0;
    int tick = 0;
    QTimer producer;
    producer.setTimerType(Qt::PreciseTimer);
    QObject::connect(&producer, &QTimer::timeout, [&] {
        QElapsedTimer cost;
        cost.start();
        ++tick;
        for (Conversation *conversation : std::as_const(conversations)) {
            if (tick % TokensPerTurn == 0) {
                Q_EMIT conversation->turnFinished(TurnOutcome{});
                continue;
            }
            Q_EMIT conversation->contentDelta(u"token "_s);
            ++tokens;
        }
        emitNs += cost.nsecsElapsed();
    });

    QList<double> lateness;
    QElapsedTimer clock;
    qint64 lastProbe = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (lastProbe > 0)
            lateness << std::max(0.0, double(now - lastProbe) / 1e6 - ProbeMs);
        lastProbe = now;
    });

    clock.start();
    producer.start(TickMs);
    probe.start(ProbeMs);
    QTimer::singleShot(DurationMs, &app, &QCoreApplication::quit);
    app.exec();
    producer.stop();
    probe.stop();
    const double seconds = double(clock.elapsed()) / 1000;

    QTextStream out(stdout);
    out << "bench_console: " << Sessions << " live sessions, window shown, one transcript open\n";
    out << "  tokens delivered:        " << tokens << " (" << qRound64(double(tokens) / seconds)
        << "/s; target " << Sessions * 1000 / TickMs << "/s)\n";
    out << "  signal handling:         " << QString::number(double(emitNs) / double(tokens), 'f', 0)
        << " ns per token (model update + coalescing)\n";
    out << "  table dataChanged:       " << tableUpdates << " ("
        << QString::number(tableUpdates / seconds, 'f', 1) << "/s; one per frame at most)\n";
    out << "  transcript renders:      " << transcript->renderCount() << " ("
        << QString::number(transcript->renderCount() / seconds, 'f', 1) << "/s)\n";
    out << "  event-loop lateness (ms): p50 " << QString::number(percentile(lateness, 0.5), 'f', 2)
        << ", p99 " << QString::number(percentile(lateness, 0.99), 'f', 2) << ", max "
        << QString::number(percentile(lateness, 1.0), 'f', 2) << "\n";
    window.monitor()->detachAll();
    return 0;
}
