// JWT identity over real HTTP and WebSocket (README, "Security"): Supabase-style tokens signed
// with keys made by the test, each kind of bad token refused with its status and close code,
// users kept apart over REST and WebSocket, the admin credential seeing everyone, and a JWKS
// served over HTTP whose keys rotate.

#include "ServerTestSupport.h"
#include "fixtures/TestHttp.h"
#include "fixtures/TestJwt.h"
#include "fixtures/TestJwtKey.h"
#include "fixtures/WsTestClient.h"

#include <QFile>
#include <QJsonArray>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace {

const QByteArray kSecret = "test-project-jwt-secret-with-at-least-32-chars";
const QString kIssuer = u"https://project.supabase.co/auth/v1"_s;
const QString kAudience = u"authenticated"_s;
const QString kApiToken = u"admin-api-token"_s;

using Headers = QList<QPair<QByteArray, QByteArray>>;

Headers bearer(const QByteArray &token) {
    return {{QByteArrayLiteral("Authorization"), "Bearer " + token}};
}

// A JWKS endpoint: answers every request with the current document and counts them.
class JwksServer : public QTcpServer {
public:
    JwksServer() {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    m_pending[socket] += socket->readAll();
                    if (!m_pending[socket].contains("\r\n\r\n"))
                        return;
                    m_pending.remove(socket);
                    ++m_requests;
                    socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                  "Connection: close\r\nContent-Length: " +
                                  QByteArray::number(document.size()) + "\r\n\r\n" + document);
                    socket->disconnectFromHost();
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
        listen(QHostAddress::LocalHost);
    }
    QString url() const { return u"http://127.0.0.1:%1/jwks.json"_s.arg(serverPort()); }
    int requests() const { return m_requests; }

    QByteArray document;

private:
    QHash<QTcpSocket *, QByteArray> m_pending;
    int m_requests = 0;
};

} // namespace

class TstServerJwt : public QObject {
    Q_OBJECT

    TestJwtKey m_rsa = TestJwtKey::rsa(u"rsa-key"_s);
    TestJwtKey m_ec = TestJwtKey::ec(u"ec-key"_s);
    std::unique_ptr<InProcessServer> server;

    QUrl wsUrl(const QUuid &id, const QString &userId, const QByteArray &token = {}) const {
        QUrl url = server->wsUrl(id, userId);
        QUrlQuery query;
        if (!userId.isEmpty())
            query.addQueryItem(u"user_id"_s, userId);
        if (!token.isEmpty())
            query.addQueryItem(u"token"_s, QString::fromLatin1(token));
        url.setQuery(query);
        return url;
    }
    TestHttp::Response get(const QString &path, const QByteArray &token) const {
        return TestHttp::get(server->httpUrl(path), token.isEmpty() ? Headers{} : bearer(token));
    }
    TestHttp::Response remove(const QString &path, const QByteArray &token) const {
        return TestHttp::request("DELETE", server->httpUrl(path), bearer(token));
    }
    TestHttp::Response rename(const QString &path, const QByteArray &token) const {
        return TestHttp::request("PATCH", server->httpUrl(path), bearer(token), 10000,
                                 QByteArrayLiteral(R"({"title": "renamed"})"));
    }
    QByteArray userToken(const QString &userId) const {
        return TestJwt::signedBy(m_ec, TestJwt::supabaseClaims(userId, kIssuer));
    }
    QByteArray adminJwt() const {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        return TestJwt::hs256(kSecret, {{u"iss"_s, kIssuer},
                                        {u"aud"_s, kAudience},
                                        {u"role"_s, u"service_role"_s},
                                        {u"exp"_s, now + 600}});
    }
    static QStringList sessionIds(const TestHttp::Response &response) {
        QStringList ids;
        for (const QJsonValue &session : response.json().value(u"sessions"_s).toArray())
            ids << session.toObject().value(u"session_id"_s).toString();
        ids.sort();
        return ids;
    }
    // Opens a session as the token's user and runs one turn; the session ends when it closes.
    QUuid chatAs(const QByteArray &token, const QString &text) {
        const QUuid id = QUuid::createUuid();
        WsTestClient client;
        if (!client.open(wsUrl(id, {}), bearer(token)))
            return {};
        if (client.waitFor(u"session"_s).isEmpty())
            return {};
        client.sendText(text);
        if (client.waitForTurn().isEmpty())
            return {};
        client.close();
        return server->waitForEnded(id) ? id : QUuid();
    }

private Q_SLOTS:
    void init() {
        server = std::make_unique<InProcessServer>();
        const QString jwksFile = server->dir.filePath(u"jwks.json"_s);
        QFile file(jwksFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(TestJwt::jwks({m_rsa, m_ec}));
        file.close();
        server->config.jwtSecret = QString::fromLatin1(kSecret);
        server->config.jwks = jwksFile;
        server->config.jwtIssuer = kIssuer;
        server->config.jwtAudience = kAudience;
        server->config.jwtAdminRole = u"service_role"_s;
        server->config.apiToken = kApiToken;
    }
    void cleanup() { server.reset(); }

    void tokens_data() {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QString>("refusal"); // empty: accepted
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const QJsonObject claims = TestJwt::supabaseClaims(u"user-1"_s, kIssuer);
        auto with = [&claims](const QString &name, const QJsonValue &value) {
            QJsonObject changed = claims;
            if (value.isUndefined())
                changed.remove(name);
            else
                changed.insert(name, value);
            return changed;
        };
        QTest::newRow("HS256") << TestJwt::hs256(kSecret, claims) << QString();
        QTest::newRow("RS256") << TestJwt::signedBy(m_rsa, claims) << QString();
        QTest::newRow("ES256") << TestJwt::signedBy(m_ec, claims) << QString();
        QTest::newRow("expired") << TestJwt::signedBy(m_ec, with(u"exp"_s, now - 3600))
                                 << u"the token has expired"_s;
        QTest::newRow("not yet valid") << TestJwt::signedBy(m_rsa, with(u"nbf"_s, now + 3600))
                                       << u"the token is not valid yet (nbf)"_s;
        QTest::newRow("wrong issuer")
            << TestJwt::hs256(kSecret, with(u"iss"_s, u"https://other.supabase.co/auth/v1"_s))
            << u"issuer"_s;
        QTest::newRow("wrong audience")
            << TestJwt::signedBy(m_ec, with(u"aud"_s, u"anon"_s)) << u"audience"_s;
        QTest::newRow("wrong key") << TestJwt::signedBy(TestJwtKey::ec(u"ec-key"_s), claims)
                                   << u"signature is not valid"_s;
        QTest::newRow("wrong secret")
            << TestJwt::hs256("another-secret-that-is-long-enough-too", claims)
            << u"signature is not valid"_s;
        QTest::newRow("alg none") << TestJwt::unsignedToken(claims) << u"alg none"_s;
        QTest::newRow("HS256 with the RSA public key")
            << TestJwt::hs256(m_rsa.publicPem(), claims, {{u"kid"_s, u"rsa-key"_s}})
            << u"signature is not valid"_s;
        QTest::newRow("missing sub")
            << TestJwt::signedBy(m_ec, with(u"sub"_s, QJsonValue(QJsonValue::Undefined)))
            << u"no sub claim"_s;
        QTest::newRow("garbage") << QByteArray("not.a.jwt") << u"not base64url"_s;
        QTest::newRow("none") << QByteArray() << u"no token"_s;
    }

    // Each token over WebSocket (header and ?token=) and REST.
    void tokens() {
        QFETCH(QByteArray, token);
        QFETCH(QString, refusal);
        QVERIFY(server->start());
        const TestHttp::Response rest = get(u"/api/sessions"_s, token);
        const TestHttp::Response metrics = get(u"/metrics"_s, token);
        if (refusal.isEmpty()) {
            QCOMPARE(rest.status, 200);
            QCOMPARE(metrics.status, 403); // a user, not the admin
            QCOMPARE(metrics.json().value(u"error"_s)[u"code"_s].toString(), u"forbidden"_s);
        } else {
            QCOMPARE(rest.status, 401);
            const QJsonObject error = rest.json().value(u"error"_s).toObject();
            QCOMPARE(error.value(u"code"_s).toString(), u"unauthorized"_s);
            QVERIFY2(error.value(u"message"_s).toString().contains(refusal),
                     qPrintable(error.value(u"message"_s).toString()));
            QCOMPARE(rest.header("WWW-Authenticate"), QByteArray("Bearer"));
            QCOMPARE(metrics.status, 401);
        }
        for (const bool inQuery : {false, true}) {
            const QUuid id = QUuid::createUuid();
            WsTestClient client;
            QVERIFY(inQuery
                        ? client.open(wsUrl(id, {}, token))
                        : client.open(wsUrl(id, {}), token.isEmpty() ? Headers{} : bearer(token)));
            if (refusal.isEmpty()) {
                const QJsonObject session = client.waitFor(u"session"_s);
                QCOMPARE(session.value(u"user_id"_s).toString(), u"user-1"_s);
            } else {
                QVERIFY(client.waitForClosed());
                QCOMPARE(client.closeCode(), 1008);
                QVERIFY2(client.closeReason().contains(refusal), qPrintable(client.closeReason()));
                QVERIFY(!server->session(id));
            }
        }
    }

    void usersAreKeptApart() {
        QVERIFY(server->start());
        const QByteArray alice = userToken(u"alice"_s);
        const QByteArray bob = userToken(u"bob"_s);
        const QUuid aliceSession = chatAs(alice, u"hello, I am Alice"_s);
        const QUuid bobSession = chatAs(bob, u"hello, I am Bob"_s);
        QVERIFY(!aliceSession.isNull() && !bobSession.isNull());
        QCOMPARE(server->session(aliceSession)->userId, u"alice"_s);
        const QString aliceId = Ids::toText(aliceSession);
        const QString bobId = Ids::toText(bobSession);

        // Listing: only one's own sessions; asking for another user's is forbidden.
        QCOMPARE(sessionIds(get(u"/api/sessions"_s, alice)), QStringList{aliceId});
        QCOMPARE(sessionIds(get(u"/api/sessions?user_id=alice"_s, alice)), QStringList{aliceId});
        const TestHttp::Response others = get(u"/api/sessions?user_id=bob"_s, alice);
        QCOMPARE(others.status, 403);
        QCOMPARE(others.json().value(u"error"_s)[u"code"_s].toString(), u"forbidden"_s);
        // Reading and deleting another user's session: not found.
        QCOMPARE(get(u"/api/sessions/"_s + bobId, alice).status, 404);
        QCOMPARE(get(u"/api/sessions/"_s + bobId + u"/events"_s, alice).status, 404);
        QCOMPARE(remove(u"/api/sessions/"_s + bobId, alice).status, 404);
        const QString bobTitle = server->session(bobSession)->title;
        QVERIFY(!bobTitle.isEmpty());
        QCOMPARE(rename(u"/api/sessions/"_s + bobId, alice).status, 404);
        QVERIFY(server->session(bobSession));
        QCOMPARE(server->session(bobSession)->title, bobTitle);
        QCOMPARE(rename(u"/api/sessions/"_s + aliceId, alice).status, 200);
        QCOMPARE(server->session(aliceSession)->title, u"renamed"_s);
        QCOMPARE(get(u"/api/sessions/"_s + aliceId, alice).status, 200);
        QVERIFY(!get(u"/api/sessions/"_s + aliceId + u"/events"_s, alice)
                     .json()
                     .value(u"events"_s)
                     .toArray()
                     .isEmpty());

        // Resuming it over WebSocket: naming bob is refused, and so is bob's session as alice.
        WsTestClient asBob;
        QVERIFY(asBob.open(wsUrl(bobSession, u"bob"_s), bearer(alice)));
        QVERIFY(asBob.waitForClosed());
        QCOMPARE(asBob.closeCode(), 4403);
        WsTestClient asAlice;
        QVERIFY(asAlice.open(wsUrl(bobSession, u"alice"_s), bearer(alice)));
        QVERIFY(asAlice.waitForClosed());
        QCOMPARE(asAlice.closeCode(), 4403);
        WsTestClient noUser;
        QVERIFY(noUser.open(wsUrl(bobSession, {}, alice)));
        QVERIFY(noUser.waitForClosed());
        QCOMPARE(noUser.closeCode(), 4403);
        QVERIFY(server->eventsOfType(bobSession, u"session_start"_s).size() == 1);

        // A live session of bob cannot be deleted by alice either (not found, not 409).
        WsTestClient bobLive;
        QVERIFY(bobLive.open(wsUrl(bobSession, u"bob"_s), bearer(bob)));
        QVERIFY(bobLive.waitFor(u"session"_s).value(u"resumed"_s).toBool());
        QCOMPARE(remove(u"/api/sessions/"_s + bobId, alice).status, 404);
        QCOMPARE(remove(u"/api/sessions/"_s + bobId, bob).status, 409);
        bobLive.close();
        QVERIFY(server->waitForEnded(bobSession));

        // The admin: the API token, and a JWT with the admin role, see and resume everyone's.
        QStringList everyone{aliceId, bobId};
        everyone.sort();
        for (const QByteArray &admin : {kApiToken.toLatin1(), adminJwt()}) {
            QCOMPARE(sessionIds(get(u"/api/sessions"_s, admin)), everyone);
            QCOMPARE(sessionIds(get(u"/api/sessions?user_id=bob"_s, admin)), QStringList{bobId});
            QCOMPARE(get(u"/api/sessions/"_s + bobId, admin).status, 200);
            QCOMPARE(get(u"/api/sessions/"_s + bobId + u"/events"_s, admin).status, 200);
            QCOMPARE(get(u"/metrics"_s, admin).status, 200);
            WsTestClient resumed;
            QVERIFY(resumed.open(wsUrl(bobSession, u"bob"_s), bearer(admin)));
            const QJsonObject session = resumed.waitFor(u"session"_s);
            QCOMPARE(session.value(u"user_id"_s).toString(), u"bob"_s);
            QVERIFY(session.value(u"resumed"_s).toBool());
            QVERIFY(!resumed.waitFor(u"history"_s).value(u"messages"_s).toArray().isEmpty());
            resumed.close();
            QVERIFY(server->waitForEnded(bobSession));
        }
        QCOMPARE(get(u"/metrics"_s, {}).status, 401);

        // Deleting: one's own, and the admin anyone's.
        QCOMPARE(remove(u"/api/sessions/"_s + aliceId, alice).status, 200);
        QVERIFY(!server->session(aliceSession));
        QCOMPARE(remove(u"/api/sessions/"_s + bobId, kApiToken.toLatin1()).status, 200);
        QVERIFY(!server->session(bobSession));
    }

    // Tokens of a JWKS fetched over HTTP; when the provider rotates its key, a token with the
    // new kid makes the server read the JWKS again, and the old key stops working.
    // GET /api/sessions?q=: a user finds only their own sessions, the admin everyone's; a bad
    // query is a 400 that says why.
    void searchKeepsUsersApart() {
        QVERIFY(server->start());
        const QByteArray alice = userToken(u"alice"_s);
        const QByteArray bob = userToken(u"bob"_s);
        const QUuid aliceSession = chatAs(alice, u"echo: the harbour lighthouse, Alice"_s);
        const QUuid bobSession = chatAs(bob, u"echo: the harbour lighthouse, Bob"_s);
        QVERIFY(!aliceSession.isNull() && !bobSession.isNull());
        const QString aliceId = Ids::toText(aliceSession);
        const QString bobId = Ids::toText(bobSession);

        const TestHttp::Response found = get(u"/api/sessions?q=LIGHTHOUSE%20harb"_s, alice);
        QCOMPARE(found.status, 200);
        QCOMPARE(sessionIds(found), QStringList{aliceId});
        const QJsonObject match = found.json().value(u"sessions"_s)[0].toObject();
        const QString snippet = match.value(u"snippet"_s).toString();
        QVERIFY2(snippet.contains(u"harbour lighthouse"_s), qPrintable(snippet));
        const QJsonArray first = match.value(u"highlights"_s)[0].toArray();
        QCOMPARE(snippet.mid(first[0].toInt(), first[1].toInt()), u"harbour"_s);
        QVERIFY(found.json().value(u"next_before"_s).isNull());
        QCOMPARE(sessionIds(get(u"/api/sessions?q=lighthouse"_s, bob)), QStringList{bobId});
        QVERIFY(sessionIds(get(u"/api/sessions?q=Bob"_s, alice)).isEmpty());
        QCOMPARE(get(u"/api/sessions?q=lighthouse&user_id=bob"_s, alice).status, 403);
        // The admin credential finds both, or one user's.
        const QByteArray admin = kApiToken.toLatin1();
        QStringList both{aliceId, bobId};
        both.sort();
        QCOMPARE(sessionIds(get(u"/api/sessions?q=lighthouse"_s, admin)), both);
        QCOMPARE(sessionIds(get(u"/api/sessions?q=lighthouse"_s, adminJwt())), both);
        QCOMPARE(sessionIds(get(u"/api/sessions?q=lighthouse&user_id=bob"_s, admin)),
                 QStringList{bobId});
        // Paged.
        const TestHttp::Response page = get(u"/api/sessions?q=lighthouse&limit=1"_s, admin);
        QCOMPARE(page.json().value(u"sessions"_s).toArray().size(), 1);
        QVERIFY(page.json().value(u"next_before"_s).isString());
        // Query syntax is searched as text, and bad queries are refused clearly.
        QCOMPARE(get(u"/api/sessions?q=%22lighthouse%20AND%20*"_s, alice).status, 200);
        const QList<QPair<QString, QString>> bad = {
            {u"q="_s, u"q must hold the words"_s},
            {u"q=%20%20"_s, u"q must hold the words"_s},
            {u"q=%22*%22"_s, u"no word to search for"_s},
            {u"q="_s + QString(201, u'x'), u"at most 200"_s},
            {u"q=x&limit=51"_s, u"limit must be an integer from 1 to 50 with q"_s},
            {u"q=x&status=ended"_s, u"status cannot be combined with q"_s},
        };
        for (const auto &[query, reason] : bad) {
            const TestHttp::Response refused = get(u"/api/sessions?"_s + query, alice);
            QCOMPARE(refused.status, 400);
            const QJsonObject error = refused.json().value(u"error"_s).toObject();
            QCOMPARE(error.value(u"code"_s).toString(), u"bad_request"_s);
            QVERIFY2(error.value(u"message"_s).toString().contains(reason),
                     qPrintable(error.value(u"message"_s).toString()));
        }
    }

    void jwksOverHttpRotates() {
        JwksServer jwks;
        const TestJwtKey first = TestJwtKey::ec(u"first"_s);
        const TestJwtKey second = TestJwtKey::rsa(u"second"_s);
        jwks.document = TestJwt::jwks({first});
        server->config.jwks = jwks.url();
        server->config.jwtSecret.clear();
        server->config.apiToken.clear();
        QVERIFY(server->start());
        JwksSource::Settings settings;
        settings.minRefreshIntervalMs = 0;
        server->backend->setJwksSettings(settings);
        QCOMPARE(jwks.requests(), 1); // read before the server listened
        const QJsonObject claims = TestJwt::supabaseClaims(u"carol"_s, kIssuer);
        QCOMPARE(get(u"/api/sessions"_s, TestJwt::signedBy(first, claims)).status, 200);

        jwks.document = TestJwt::jwks({second});
        const QByteArray rotated = TestJwt::signedBy(second, claims);
        const TestHttp::Response before = get(u"/api/sessions"_s, rotated);
        QCOMPARE(before.status, 401);
        QVERIFY(before.json().value(u"error"_s)[u"message"_s].toString().contains(u"kid"_s));
        QTRY_COMPARE(jwks.requests(), 2);
        QTRY_COMPARE(get(u"/api/sessions"_s, rotated).status, 200);
        WsTestClient client;
        QVERIFY(client.open(wsUrl(QUuid::createUuid(), u"carol"_s), bearer(rotated)));
        QCOMPARE(client.waitFor(u"session"_s).value(u"user_id"_s).toString(), u"carol"_s);
        // The first key is gone: its tokens are refused (and another read finds it gone too).
        QCOMPARE(get(u"/api/sessions"_s, TestJwt::signedBy(first, claims)).status, 401);
        QTRY_COMPARE(jwks.requests(), 3);
        QCOMPARE(get(u"/api/sessions"_s, TestJwt::signedBy(first, claims)).status, 401);
    }

    void jwksUnreachableAtStart() {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 port = closed.serverPort();
        closed.close(); // nothing listens there now
        server->config.jwks = u"http://127.0.0.1:%1/jwks.json"_s.arg(port);
        QVERIFY(server->start()); // serves; RS256/ES256 tokens wait for the keys
        const TestHttp::Response response = get(u"/api/sessions"_s, userToken(u"dave"_s));
        QCOMPARE(response.status, 401);
        QVERIFY(response.json().value(u"error"_s)[u"message"_s].toString().contains(
            u"no JWKS keys are loaded"_s));
        QCOMPARE(get(u"/api/sessions"_s,
                     TestJwt::hs256(kSecret, TestJwt::supabaseClaims(u"dave"_s, kIssuer)))
                     .status,
                 200);
    }

    void unusableJwksFileStopsTheStart() {
        QFile file(server->dir.filePath(u"symmetric.json"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})");
        file.close();
        const QList<QPair<QString, QString>> cases = {
            {server->dir.filePath(u"missing.json"_s), u"cannot read"_s},
            {file.fileName(), u"no usable key"_s}};
        for (const auto &[path, problem] : cases) {
            Config config = server->config;
            config.jwks = path;
            Backend backend(config);
            QSignalSpy failed(&backend, &Backend::startFailed);
            QSignalSpy started(&backend, &Backend::started);
            backend.start();
            QTRY_COMPARE(failed.size(), 1);
            const QString message = failed.first().first().toString();
            QVERIFY2(message.startsWith(u"cannot use the JWKS (RTAI_JWKS): "_s) &&
                         message.contains(problem),
                     qPrintable(message));
            QCOMPARE(started.size(), 0);
            QCOMPARE(backend.state(), Backend::State::Stopped);
        }
    }
};

QTEST_GUILESS_MAIN(TstServerJwt)
#include "tst_serverjwt.moc"
