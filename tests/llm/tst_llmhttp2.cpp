// LLM requests over TLS through a real HAProxy (ALPN h2,http/1.1) in front of the mock LLM: which
// HTTP version llm/http gets, and that HTTP/2 carries many concurrent streams on one connection.

#include "fixtures/MockLlmServer.h"
#include "fixtures/TlsProxy.h"
#include "llm/LlmClient.h"
#include "llm/LlmEndpointProbe.h"
#include "llm/LlmNetworkPool.h"
#include "llm/LlmStream.h"

#include <QSignalSpy>
#include <QTest>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

ChatRequest hello() {
    ChatRequest request;
    request.messages = {ChatMessage::system(u"You are helpful."_s), ChatMessage::user(u"Hi"_s)};
    return request;
}

struct Streams {
    int finished = 0;
    int failed = 0;
    QString firstError;

    // Starts `count` streams at once and waits until every one has ended.
    bool run(LlmClient &client, int count) {
        const int total = finished + failed + count;
        for (int i = 0; i < count; ++i) {
            LlmStream *stream = client.stream(hello(), &client);
            QObject::connect(stream, &LlmStream::finished, &client, [this] { ++finished; });
            QObject::connect(stream, &LlmStream::failed, &client,
                             [this](const LlmError &error, const LlmResult &) {
                                 if (++failed == 1)
                                     firstError = error.message;
                             });
        }
        return QTest::qWaitFor([&] { return finished + failed == total; }, 60000);
    }
};

} // namespace

class TestLlmHttp2 : public QObject {
    Q_OBJECT

    std::unique_ptr<MockLlmServer> m_llm;
    std::unique_ptr<TlsProxy> m_proxy;

    LlmSettings settings(LlmHttpVersion http) const {
        LlmSettings s;
        s.baseUrl = m_proxy->baseUrl();
        s.caFile = m_proxy->caFile();
        s.model = u"test-model"_s;
        s.http = http;
        return s;
    }

private Q_SLOTS:
    void init() {
        m_llm = std::make_unique<MockLlmServer>();
        QVERIFY(m_llm->listen());
        // Each reply takes about 2 s, so the streams of a burst overlap.
        m_llm->setResponder([](const MockLlmRequest &) {
            return MockLlmReply::tokens({u"Slow"_s, u" reply."_s}, 1000);
        });
        m_proxy = std::make_unique<TlsProxy>(m_llm->port());
        QVERIFY2(m_proxy->start(), qPrintable(m_proxy->errorString()));
    }
    void cleanup() {
        m_proxy.reset();
        m_llm.reset();
    }

    // llm/http 2: fifty streams at once, all on one HTTP/2 connection of one manager (the TLS
    // server accepted one connection and fifty requests on it).
    void http2MultiplexesManyStreams() {
        LlmClient client(settings(LlmHttpVersion::Http2));
        const double connectionsBefore = m_proxy->frontendCounter("conn_tot"); // start()'s probe
        Streams streams;
        QVERIFY(streams.run(client, 50));
        QCOMPARE(streams.firstError, QString());
        QCOMPARE(streams.finished, 50);
        QCOMPARE(m_llm->maxInFlight(), 50);
        QCOMPARE(client.network()->endpointProtocol(), LlmNetworkPool::Protocol::Http2);
        QCOMPARE(client.network()->managerCount(), 1);
        QCOMPARE(m_proxy->frontendCounter("conn_tot") - connectionsBefore, 1.0);
        QCOMPARE(m_proxy->frontendCounter("req_tot"), 50.0);
    }

    // auto: the server offers h2 over TLS, so it is used; the first burst, before any reply
    // said so, is spread as for HTTP/1.1 and every stream still runs at once.
    void autoUsesHttp2WhenOffered() {
        LlmClient client(settings(LlmHttpVersion::Auto));
        Streams streams;
        QVERIFY(streams.run(client, 1));
        QCOMPARE(client.network()->endpointProtocol(), LlmNetworkPool::Protocol::Http2);
        m_llm->resetMaxInFlight();
        QVERIFY(streams.run(client, 20));
        QCOMPARE(streams.finished, 21);
        QCOMPARE(m_llm->maxInFlight(), 20);
        QCOMPARE(client.network()->managerCount(), 1);
    }

    // llm/http 1.1: h2 is not used although offered; six streams per manager.
    void http1IsForced() {
        LlmClient client(settings(LlmHttpVersion::Http1));
        const double connectionsBefore = m_proxy->frontendCounter("conn_tot");
        Streams streams;
        QVERIFY(streams.run(client, 20));
        QCOMPARE(streams.firstError, QString());
        QCOMPARE(streams.finished, 20);
        QCOMPARE(m_llm->maxInFlight(), 20);
        QCOMPARE(client.network()->endpointProtocol(), LlmNetworkPool::Protocol::Http1);
        QCOMPARE(client.network()->managerCount(), 4); // 20 streams, six per manager
        // One TLS connection per stream.
        QCOMPARE(m_proxy->frontendCounter("conn_tot") - connectionsBefore, 20.0);
    }

    // A server that offers only http/1.1 in ALPN: auto falls back to it; 2 does not negotiate
    // (prior knowledge), so it speaks HTTP/2 to a server that understands it all the same, as
    // HAProxy does.
    void alpnWithoutH2() {
        m_proxy = std::make_unique<TlsProxy>(m_llm->port(), u"http/1.1"_s);
        QVERIFY2(m_proxy->start(), qPrintable(m_proxy->errorString()));
        LlmClient automatic(settings(LlmHttpVersion::Auto));
        LlmClient forced(settings(LlmHttpVersion::Http2));
        Streams streams;
        QVERIFY(streams.run(automatic, 1));
        QVERIFY(streams.run(forced, 1));
        QCOMPARE(streams.firstError, QString());
        QCOMPARE(streams.finished, 2);
        QCOMPARE(automatic.network()->endpointProtocol(), LlmNetworkPool::Protocol::Http1);
        QCOMPARE(forced.network()->endpointProtocol(), LlmNetworkPool::Protocol::Http2);
    }

    // Without the proxy's certificate trusted, a request fails and says why.
    void untrustedCertificateIsAClearError() {
        LlmSettings s = settings(LlmHttpVersion::Auto);
        s.caFile.clear();
        s.maxRetries = 0;
        LlmClient client(s);
        Streams streams;
        QVERIFY(streams.run(client, 1));
        QCOMPARE(streams.failed, 1);
        QVERIFY2(streams.firstError.contains(u"RTAI_LLM_CA_FILE"_s),
                 qPrintable(streams.firstError));
    }

    // The readiness check trusts llm/ca_file too.
    void probeTrustsTheCaFile() {
        const auto check = [this](const QString &caFile) {
            LlmEndpointProbe probe(m_proxy->baseUrl(), {});
            probe.setCaFile(caFile);
            QSignalSpy checked(&probe, &LlmEndpointProbe::checked);
            probe.checkNow();
            if (!checked.wait(15000))
                return LlmEndpointProbe::Result();
            return checked.first().first().value<LlmEndpointProbe::Result>();
        };
        const LlmEndpointProbe::Result trusted = check(m_proxy->caFile());
        QVERIFY2(trusted.isReachable(), qPrintable(trusted.problem));
        const LlmEndpointProbe::Result untrusted = check({});
        QCOMPARE(untrusted.outcome, LlmEndpointProbe::Result::Outcome::Unreachable);
        QVERIFY2(untrusted.problem.contains(u"TLS"_s), qPrintable(untrusted.problem));
    }
};

QTEST_GUILESS_MAIN(TestLlmHttp2)
#include "tst_llmhttp2.moc"
