// Fair streaming, against the real `realtime-ai --server` and the mock-llm process streaming as
// fast as it is read: a fast stream does not hold up other sessions, a client that falls behind
// gets its content coalesced (the same text), and a client that does not read is closed with
// 4008 and its LLM request stopped.

#include "core/Ids.h"
#include "fixtures/MockLlmProcess.h"
#include "fixtures/MockLlmRules.h"
#include "fixtures/RawWsClient.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

constexpr int kLongReplyTokens = 200000;

QString longReplyText(int tokens) {
    QString text;
    for (int i = 1; i <= tokens; ++i)
        text += (i == 1 ? u"w"_s : u" w"_s) + QString::number(i);
    return text;
}

// The server's peak resident memory, from /proc.
qint64 peakRssKiB(qint64 pid) {
    QFile status(u"/proc/%1/status"_s.arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    static const QRegularExpression hwm(u"VmHWM:\\s+(\\d+) kB"_s);
    return hwm.match(QString::fromLatin1(status.readAll())).captured(1).toLongLong();
}

} // namespace

class TstFairStreaming : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir;
    int databases = 0;

    bool startServer(ServerProcess &server, const MockLlmProcess &mock,
                     const QProcessEnvironment &environment = {}) {
        return server.start(
            {u"--database-url"_s, u"sqlite://"_s + dir.filePath(u"fair%1.db"_s.arg(++databases)),
             u"--data-dir"_s, dir.path(), u"--llm-base-url"_s, mock.baseUrl().toString()},
            environment);
    }
    static QJsonObject mockStats(const MockLlmProcess &mock) {
        return TestHttp::get(QUrl(u"http://127.0.0.1:%1/mock/stats"_s.arg(mock.port()))).json();
    }
    static double metric(const QUrl &server, const QString &line) {
        const QByteArray text = TestHttp::get(server.resolved(QUrl(u"/metrics"_s))).body;
        const QByteArray prefix = line.toUtf8() + ' ';
        for (const QByteArray &row : text.split('\n'))
            if (row.startsWith(prefix))
                return row.mid(prefix.size()).toDouble();
        return 0;
    }
    static QJsonArray events(const QUrl &server, const QUuid &id) {
        return TestHttp::get(
                   server.resolved(QUrl(u"/api/sessions/"_s + Ids::toText(id) + u"/events"_s)))
            .json()
            .value(u"events"_s)
            .toArray();
    }
    static QJsonArray eventsOfType(const QUrl &server, const QUuid &id, const QString &type) {
        QJsonArray matching;
        for (const QJsonValue &event : events(server, id))
            if (event.toObject().value(u"event_type"_s).toString() == type)
                matching.append(event);
        return matching;
    }
    static bool isEnded(const QUrl &server, const QUuid &id) {
        return TestHttp::get(server.resolved(QUrl(u"/api/sessions/"_s + Ids::toText(id))))
                   .json()
                   .value(u"status"_s)
                   .toString() == u"ended";
    }
    static QByteArray wsPath(const QUuid &id, const QByteArray &user) {
        return "/ws/session/" + Ids::toText(id).toLatin1() + "?user_id=" + user;
    }
    static QJsonObject json(const RawWsClient::Message &message) {
        return QJsonDocument::fromJson(message.payload).object();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(dir.isValid()); }

    void otherSessionIsNotBlockedByAFastStream() {
        MockLlmProcess mock;
        QVERIFY(mock.start());
        ServerProcess server;
        server.setLogName(u"tst_fairstreaming-other-session"_s);
        QVERIFY2(startServer(server, mock), qPrintable(server.log()));
        const qint64 idleRssKiB = peakRssKiB(server.processId());

        WsTestClient fast;
        QVERIFY(fast.open(
            WsTestClient::sessionUrl(server.url(), Ids::toText(QUuid::createUuid()), u"fast"_s)));
        QCOMPARE(fast.waitFor().value(u"type"_s).toString(), u"session"_s);
        WsTestClient other;
        QVERIFY(other.open(
            WsTestClient::sessionUrl(server.url(), Ids::toText(QUuid::createUuid()), u"other"_s)));
        QCOMPARE(other.waitFor().value(u"type"_s).toString(), u"session"_s);

        // The whole reply at once, as fast as the kernel takes it.
        fast.sendText(u"burst: %1"_s.arg(kLongReplyTokens));
        QVERIFY(!fast.waitFor(u"content"_s, 30000).isEmpty());
        other.sendText(u"echo: a quick answer"_s);
        const QList<QJsonObject> otherTurn = other.waitForTurn(60000);
        QVERIFY(!otherTurn.isEmpty());
        // The other turn is served between the stream's pieces, not after all of them.
        const QStringList typesSoFar = WsTestClient::typesOf(fast.frames());
        qInfo("the other turn was done after %lld of the long stream's frames",
              qlonglong(typesSoFar.count(u"content"_s)));
        QVERIFY2(!typesSoFar.contains(u"done"_s),
                 "the other session's turn finished only after the long stream");
        QCOMPARE(WsTestClient::contentOf(otherTurn), u"a quick answer"_s);
        QCOMPARE(otherTurn.last().value(u"finish_reason"_s).toString(), u"stop"_s);

        const QList<QJsonObject> longTurn = fast.waitForTurn(180000);
        QVERIFY(!longTurn.isEmpty());
        QCOMPARE(longTurn.last().value(u"finish_reason"_s).toString(), u"stop"_s);
        QString text;
        for (const QJsonObject &frame : fast.frames())
            if (frame.value(u"type"_s).toString() == u"content")
                text += frame.value(u"value"_s).toString();
        QCOMPARE(text, longReplyText(kLongReplyTokens));
        qInfo("server peak RSS %lld KiB (idle %lld KiB); %lld content frames for %d tokens",
              peakRssKiB(server.processId()), idleRssKiB,
              qlonglong(WsTestClient::typesOf(fast.frames()).count(u"content"_s)),
              kLongReplyTokens);
    }

    void coalescedContentIsTheSameText() {
        MockLlmProcess mock;
        QVERIFY(mock.start());
        ServerProcess server;
        server.setLogName(u"tst_fairstreaming-coalesce"_s);
        // A cap far above this reply: the client falls behind but is not dropped.
        QProcessEnvironment environment;
        environment.insert(u"RTAI_MAX_CLIENT_BUFFER_BYTES"_s, QString::number(64 << 20));
        QVERIFY2(startServer(server, mock, environment), qPrintable(server.log()));

        // 300,000 frames of ~30 bytes are far more than the kernel's buffers hold: the client
        // falls behind while it does not read.
        const int tokens = 300000;
        RawWsClient client;
        QVERIFY(client.open(server.url().port(), wsPath(QUuid::createUuid(), "behind")));
        client.sendText("chars: " + QByteArray::number(tokens));
        QVERIFY(QTest::qWaitFor([&] { return mockStats(mock).value(u"completed"_s).toInt() == 1; },
                                120000));

        client.startReading();
        QVERIFY(client.waitFor(
            [](const RawWsClient::Message &m) {
                return json(m).value(u"type"_s).toString() == u"done";
            },
            120000));
        QString text;
        int contentFrames = 0;
        for (const RawWsClient::Message &message : client.messages()) {
            const QJsonObject frame = json(message);
            if (frame.value(u"type"_s).toString() == u"content") {
                text += frame.value(u"value"_s).toString();
                ++contentFrames;
            }
        }
        QCOMPARE(text, MockLlmRules::charTokens(tokens).join(QString()));
        QVERIFY2(contentFrames < tokens, "nothing was coalesced");
        QVERIFY(!client.isDisconnected());
        qInfo("%d content frames for %d pieces", contentFrames, tokens);
    }

    void unreadReplyIsClosedAndItsRequestStopped_data() {
        QTest::addColumn<int>("tokens");
        // The reply never ends by itself: only the server can stop its request. Whether a reply
        // that does end outlasts the close depends on how fast the LLM reply is read (Qt buffers
        // it without bound) against how fast frames are made, so only a stalled one is checked.
        QTest::addColumn<bool>("stalls");
        // About 7.2 MB of content frames: under the 8 MiB cap of before. The mock may have
        // written all of it into the kernel's buffers by the close.
        QTest::newRow("7 MB") << kLongReplyTokens << false;
        QTest::newRow("36 MB, then stalled") << 999999 << true;
    }
    void unreadReplyIsClosedAndItsRequestStopped() {
        QFETCH(int, tokens);
        QFETCH(bool, stalls);
        MockLlmProcess mock;
        QVERIFY(mock.start());
        ServerProcess server;
        server.setLogName(u"tst_fairstreaming-unread"_s);
        QVERIFY2(startServer(server, mock), qPrintable(server.log()));

        const QUuid id = QUuid::createUuid();
        RawWsClient client;
        QVERIFY(client.open(server.url().port(), wsPath(id, "unread")));
        client.sendText("long: " + QByteArray::number(tokens) + (stalls ? " then stall" : ""));
        client.sendText("long: 10"); // queued behind it
        QVERIFY(QTest::qWaitFor(
            [&] {
                return metric(server.url(), u"rtai_websocket_closes_total{code=\"4008\"}"_s) == 1.0;
            },
            120000));
        QVERIFY(QTest::qWaitFor([&] { return isEnded(server.url(), id); }, 20000));
        if (stalls) {
            // The LLM request was stopped: the mock saw its connection closed.
            QVERIFY(QTest::qWaitFor(
                [&] { return mockStats(mock).value(u"aborted"_s).toInt() == 1; }, 10000));
        }
        // The queued message was never sent to the LLM: one reply, the long one, cut short.
        const QJsonArray replies = eventsOfType(server.url(), id, u"assistant_message"_s);
        QCOMPARE(replies.size(), 1);
        const QJsonObject reply = replies.first().toObject();
        QVERIFY(reply.value(u"metadata"_s).toObject().value(u"interrupted"_s).toBool());
        const QString partial = reply.value(u"content"_s).toString();
        QVERIFY(!partial.isEmpty());
        QVERIFY(longReplyText(tokens).startsWith(partial));
        QCOMPARE(eventsOfType(server.url(), id, u"user_message"_s).size(), 2);
        QVERIFY(server.log().contains(u"code 4008"_s));
    }
};

QTEST_GUILESS_MAIN(TstFairStreaming)
#include "tst_fairstreaming.moc"
