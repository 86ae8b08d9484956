#include "chat/ConversationFeed.h"
#include "core/Event.h"
#include "core/Ids.h"
#include "core/Timestamps.h"
#include "fixtures/FutureWait.h"
#include "storage/Database.h"
#include "ui/DatabaseArchive.h"
#include "ui/SessionDetailWidget.h"
#include "ui/SessionMonitor.h"
#include "ui/SessionTableModel.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// The detail pane of a live session: its stored events, read through a SessionArchive, then
// the live ones from its ConversationFeed, each shown once.
class TestSessionDetail : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // A remote server's feed and its REST reads are not ordered with each other, so the feed
    // may relay an event (id 0: not committed when relayed) that the read also returns. The feed
    // here has no Conversation: the test emits its signals, as AdminFeedReader does.
    void anEventBothReadAndRelayedIsShownOnce() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Database database;
        QVERIFY(
            FutureWait::succeeded(database.open(u"sqlite://"_s + dir.filePath(u"detail.db"_s))));
        const QUuid id = Ids::newSessionId();
        database.createSession(id, u"ada"_s, Timestamps::now());
        const Event question = Event::make(id, EventType::UserMessage, u"Where is Zanzibar?"_s);
        database.appendEvent(question);
        QVERIFY(FutureWait::succeeded(database.flush()));
        const std::optional<Session> session = FutureWait::result(database.session(id));
        QVERIFY(session);

        DatabaseArchive archive(&database);
        SessionTableModel model;
        SessionMonitor monitor(&model);
        ConversationFeed feed(id, nullptr);
        monitor.attach(id, u"ada"_s, &feed);
        SessionDetailWidget detail(&monitor);
        detail.setArchive(&archive);
        QSignalSpy loaded(&detail, &SessionDetailWidget::loaded);
        detail.showSession(*session);

        Event relayed = question; // as the feed relays it, before its id is known
        relayed.id = 0;
        Q_EMIT feed.eventRecorded(relayed);
        const Event answer =
            Event::make(id, EventType::AssistantMessage, u"Off the coast of Tanzania."_s);
        Q_EMIT feed.eventRecorded(answer);
        QVERIFY(loaded.wait(10000));

        const QList<Event> shown = detail.events();
        QCOMPARE(shown.size(), 2);
        QCOMPARE(shown.at(0).content, question.content);
        QCOMPARE(shown.at(1).content, answer.content);

        // After the read, every relayed event is new and shown, even one equal to a stored one.
        Q_EMIT feed.eventRecorded(answer);
        QCOMPARE(detail.events().size(), 3);
    }
};

QTEST_MAIN(TestSessionDetail)
#include "tst_sessiondetail.moc"
