// The product out of the box: the real `realtime-ai --server` with no API key and no base URL
// runs the bundled llama-server itself, says so in /readyz until the model is loaded, then
// streams real tokens over the WebSocket, survives llama-server being killed mid-turn and
// summarizes the session with the local model when the client leaves.

#include "core/Ids.h"
#include "fixtures/ServerProcess.h"
#include "fixtures/TestHttp.h"
#include "fixtures/WsTestClient.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <signal.h>

using namespace Qt::StringLiterals;

namespace {

constexpr int kLoadTimeoutMs = 180000;
constexpr int kTurnTimeoutMs = 120000;

// llama-server's pid, from the program's log line "llama-server started (pid N) …".
qint64 llamaServerPid(const QString &log) {
    const QRegularExpression pid(u"llama-server.*pid (\\d+)"_s);
    qint64 last = 0;
    for (auto it = pid.globalMatch(log); it.hasNext();)
        last = it.next().captured(1).toLongLong();
    return last;
}

} // namespace

class TstLocalModelServer : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    ServerProcess m_server;

    QUrl api(const QString &path) const { return m_server.url().resolved(QUrl(path)); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_server.setLogName(u"localmodel-server"_s);
        QVERIFY2(
            m_server.start({u"--database-url"_s, u"sqlite://"_s + m_dir.filePath(u"local.db"_s),
                            u"--data-dir"_s, m_dir.path(), u"--log-level"_s, u"info"_s}),
            qPrintable(m_server.log()));
    }

    void readyOnceTheModelIsLoaded() {
        TestHttp::Response ready = TestHttp::get(api(u"/readyz"_s));
        if (ready.status == 503) {
            const QString reason = ready.json().value(u"reasons"_s).toArray().first().toString();
            QVERIFY2(reason.startsWith(u"llm: the local model is loading"_s), qPrintable(reason));
        }
        QTRY_VERIFY_WITH_TIMEOUT(TestHttp::get(api(u"/readyz"_s)).status == 200, kLoadTimeoutMs);
        QVERIFY2(llamaServerPid(m_server.log()) > 0, qPrintable(m_server.log()));
    }

    void streamsARealReply() {
        WsTestClient client;
        const QUuid id = QUuid::createUuid();
        QVERIFY(client.open(WsTestClient::sessionUrl(m_server.url(), Ids::toText(id), u"ada"_s)));
        const QJsonObject session = client.waitFor(u"session"_s);
        QVERIFY2(session.value(u"model"_s).toString().contains(u"SmolLM2"_s, Qt::CaseInsensitive),
                 qPrintable(session.value(u"model"_s).toString()));
        client.sendText(u"Hello! My name is Ada. Say hello back in one short sentence."_s);
        const QList<QJsonObject> turn = client.waitForTurn(kTurnTimeoutMs);
        const QStringList types = WsTestClient::typesOf(turn);
        QVERIFY2(types.count(u"content"_s) >= 2, qPrintable(types.join(u' ')));
        QCOMPARE(types.last(), u"done"_s);
        const QJsonObject done = turn.last();
        QVERIFY(done.value(u"finish_reason"_s) == u"stop"_s ||
                done.value(u"finish_reason"_s) == u"length"_s);
        QVERIFY(done.value(u"usage"_s).toObject().value(u"completion_tokens"_s).toInt() > 0);
        QVERIFY(!WsTestClient::contentOf(turn).trimmed().isEmpty());

        // The session is summarized by the local model once the client leaves.
        client.close();
        const QUrl sessionUrl = api(u"/api/sessions/"_s + Ids::toText(id));
        QTRY_VERIFY_WITH_TIMEOUT(
            !TestHttp::get(sessionUrl).json().value(u"summary"_s).toString().isEmpty(),
            kTurnTimeoutMs);
        const QString summary = TestHttp::get(sessionUrl).json().value(u"summary"_s).toString();
        QVERIFY2(summary != u"No messages were exchanged in this session."_s, qPrintable(summary));
    }

    void killedEngineGivesAnErrorThenRecovers() {
        const qint64 pid = llamaServerPid(m_server.log());
        QVERIFY(pid > 0);
        WsTestClient client;
        QVERIFY(client.open(
            WsTestClient::sessionUrl(m_server.url(), Ids::toText(QUuid::createUuid()), u"ada"_s)));
        client.waitFor(u"session"_s);
        client.sendText(u"Count from 1 to 100, one number a line."_s);
        client.waitFor(u"content"_s, kTurnTimeoutMs);
        QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
        const QList<QJsonObject> turn = client.waitForTurn(kTurnTimeoutMs);
        const QStringList types = WsTestClient::typesOf(turn);
        QVERIFY2(types.contains(u"error"_s), qPrintable(types.join(u' ')));
        const QJsonObject error = turn.at(types.indexOf(u"error"_s));
        QVERIFY2(!error.value(u"message"_s).toString().isEmpty(), "the error says what happened");
        QCOMPARE(types.last(), u"done"_s);

        // The supervisor restarts llama-server; the next turn is answered.
        QTRY_VERIFY_WITH_TIMEOUT(llamaServerPid(m_server.log()) != pid, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(TestHttp::get(api(u"/readyz"_s)).status == 200, kLoadTimeoutMs);
        client.sendText(u"Say yes."_s);
        const QList<QJsonObject> next = client.waitForTurn(kTurnTimeoutMs);
        QCOMPARE(WsTestClient::typesOf(next).last(), u"done"_s);
        QVERIFY2(!WsTestClient::typesOf(next).contains(u"error"_s),
                 qPrintable(WsTestClient::typesOf(next).join(u' ')));
    }

    void cleanupTestCase() {
        if (!m_server.isRunning())
            return;
        const qint64 pid = llamaServerPid(m_server.log());
        m_server.terminate();
        QVERIFY(m_server.waitForExit(15000));
        QCOMPARE(m_server.exitCode(), 0);
        if (pid > 0)
            QTRY_VERIFY2_WITH_TIMEOUT(::kill(pid_t(pid), 0) != 0,
                                      "llama-server is gone with the program", 5000);
    }
};

QTEST_GUILESS_MAIN(TstLocalModelServer)
#include "tst_localmodelserver.moc"
