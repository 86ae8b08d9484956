#include "core/Ids.h"
#include "core/Timestamps.h"
#include "ui/SessionFilterProxyModel.h"
#include "ui/SessionTableModel.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

class TestSessionTableModel : public QObject {
    Q_OBJECT

    static Session make(const QString &user, int minute, bool ended, int messages = 0) {
        Session s;
        s.id = Ids::newSessionId();
        s.userId = user;
        s.startTime =
            Timestamps::fromIso(u"2026-11-24T10:%1:00Z"_s.arg(minute, 2, 10, QChar(u'0')));
        if (ended)
            s.endTime = s.startTime.addSecs(30);
        s.messageCount = messages;
        return s;
    }

    static QStringList column(const QAbstractItemModel &model, int column) {
        QStringList values;
        for (int row = 0; row < model.rowCount(); ++row)
            values << model.index(row, column).data().toString();
        return values;
    }

private Q_SLOTS:
    void pagesAreShownNewestFirst() {
        SessionTableModel model;
        SessionFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        model.addSessions({make(u"b"_s, 20, true), make(u"a"_s, 30, false)});
        model.addSessions({make(u"c"_s, 10, true)});
        QCOMPARE(column(proxy, SessionTableModel::UserColumn),
                 (QStringList{u"a"_s, u"b"_s, u"c"_s}));
        // A new live session goes on top.
        model.sessionConnected(Ids::newSessionId(), u"d"_s,
                               Timestamps::fromIso(u"2026-11-24T11:00:00Z"_s));
        QCOMPARE(column(proxy, SessionTableModel::UserColumn).constFirst(), u"d"_s);
        QCOMPARE(column(proxy, SessionTableModel::StatusColumn),
                 (QStringList{u"connected"_s, u"active"_s, u"ended"_s, u"ended"_s}));
        QCOMPARE(model.connectedCount(), 1);
    }

    void displaysColumns() {
        SessionTableModel model;
        const Session s = make(u"ada"_s, 5, true, 4);
        model.addSessions({s});
        QCOMPARE(model.index(0, SessionTableModel::IdColumn).data().toString(), Ids::toText(s.id));
        QCOMPARE(model.index(0, SessionTableModel::MessagesColumn).data().toInt(), 4);
        QCOMPARE(model.index(0, SessionTableModel::TokensColumn).data().toString(), u"—"_s);
        QCOMPARE(model.index(0, SessionTableModel::StartedColumn).data().toString(),
                 s.startTime.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s));
        QCOMPARE(model.headerData(SessionTableModel::TokensColumn, Qt::Horizontal).toString(),
                 u"Tokens"_s);
    }

    void filtersByUserAndStatus() {
        SessionTableModel model;
        SessionFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        model.addSessions({make(u"Ada"_s, 1, true), make(u"bob"_s, 2, false),
                           make(u"adam"_s, 3, false), make(u"carol"_s, 4, true)});
        proxy.setUserFilter(u"ad"_s);
        QCOMPARE(column(proxy, SessionTableModel::UserColumn), (QStringList{u"adam"_s, u"Ada"_s}));
        proxy.setStatusFilter(SessionFilterProxyModel::StatusFilter::Ended);
        QCOMPARE(column(proxy, SessionTableModel::UserColumn), (QStringList{u"Ada"_s}));
        proxy.setUserFilter({});
        QCOMPARE(column(proxy, SessionTableModel::UserColumn), (QStringList{u"carol"_s, u"Ada"_s}));
        proxy.setStatusFilter(SessionFilterProxyModel::StatusFilter::Live);
        QCOMPARE(column(proxy, SessionTableModel::UserColumn), (QStringList{u"adam"_s, u"bob"_s}));
        // A live session that ends leaves the "live" filter at once.
        const QUuid bob = model.session(1).id;
        model.sessionDisconnected(bob, Timestamps::now());
        QCOMPARE(column(proxy, SessionTableModel::UserColumn), (QStringList{u"adam"_s}));
    }

    void counterUpdatesAreCoalescedPerFrame() {
        SessionTableModel model;
        QList<QUuid> ids;
        for (int i = 0; i < 10; ++i) {
            ids << Ids::newSessionId();
            model.sessionConnected(ids.last(), u"u%1"_s.arg(i), Timestamps::now());
        }
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        for (int token = 0; token < 100; ++token)
            for (const QUuid &id : ids)
                model.addTokens(id, 1);
        model.addMessages(ids.first(), 1);
        QCOMPARE(changed.count(), 0); // nothing repaints until the frame timer fires
        QTRY_COMPARE(changed.count(), 1);
        const QModelIndex topLeft = changed.first().at(0).toModelIndex();
        const QModelIndex bottomRight = changed.first().at(1).toModelIndex();
        QCOMPARE(topLeft.row(), 0);
        QCOMPARE(bottomRight.row(), 9);
        for (int row = 0; row < 10; ++row)
            QCOMPARE(model.index(row, SessionTableModel::TokensColumn).data().toLongLong(), 100);
        QCOMPARE(model.index(0, SessionTableModel::MessagesColumn).data().toInt(), 1);
        QTest::qWait(50);
        QCOMPARE(changed.count(), 1);
    }

    void pageDoesNotOverrideLiveState() {
        SessionTableModel model;
        Session s = make(u"ada"_s, 1, false, 0);
        model.sessionConnected(s.id, s.userId, s.startTime);
        model.addMessages(s.id, 3);
        s.messageCount = 1; // a page read before the last messages were stored
        model.addSessions({s});
        model.flushPendingUpdates();
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.session(0).messageCount, 3);
        QCOMPARE(model.status(0), SessionTableModel::Status::Connected);
    }

    void removeKeepsLookupsRight() {
        SessionTableModel model;
        const Session a = make(u"a"_s, 1, true);
        const Session b = make(u"b"_s, 2, true);
        const Session c = make(u"c"_s, 3, true);
        model.addSessions({a, b, c});
        model.removeSession(a.id);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rowOf(a.id), -1);
        QCOMPARE(model.session(model.rowOf(c.id)).userId, u"c"_s);
        model.addMessages(c.id, 2);
        model.flushPendingUpdates();
        QCOMPARE(model.session(model.rowOf(c.id)).messageCount, 2);
        QCOMPARE(model.session(model.rowOf(b.id)).messageCount, 0);
    }
};

QTEST_GUILESS_MAIN(TestSessionTableModel)
#include "tst_sessiontablemodel.moc"
