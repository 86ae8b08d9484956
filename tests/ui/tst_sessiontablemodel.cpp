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

    void usageColumnsOfPastAndLiveSessions() {
        SessionTableModel model;
        model.setPrices(*ModelPrices::parse(u"m=1000:2000"_s));
        const Session past = make(u"ada"_s, 1, true, 4);
        const Session other = make(u"bob"_s, 2, true, 2);
        model.addSessions({past, other});
        const int row = model.rowOf(past.id);
        const auto text = [&model](int r, int column) {
            return model.index(r, column).data().toString();
        };
        QCOMPARE(text(row, SessionTableModel::CostColumn), u"—"_s); // not read yet
        QCOMPARE(text(row, SessionTableModel::DurationColumn), u"30 s"_s);

        SessionUsage stored;
        stored.addReply(u"m"_s, 100, 40, 200);
        stored.addReply(u"m"_s, 300, 60, 400);
        stored.toolCalls = 2;
        SessionUsage unpriced;
        unpriced.addReply(u"x"_s, 1, 1, -1);
        model.setStoredUsage({{past.id, stored}, {other.id, unpriced}});
        model.flushPendingUpdates();
        QCOMPARE(text(row, SessionTableModel::TokensColumn), u"100"_s);
        QCOMPARE(text(row, SessionTableModel::TtftColumn), u"300 ms"_s);
        QCOMPARE(text(row, SessionTableModel::ToolCallsColumn), u"2"_s);
        // 400 prompt tokens at $1000/M, 100 completion tokens at $2000/M.
        QCOMPARE(*model.cost(row), 0.4 + 0.2);
        QCOMPARE(text(row, SessionTableModel::CostColumn), u"$0.6000"_s);
        const int otherRow = model.rowOf(other.id);
        QCOMPARE(text(otherRow, SessionTableModel::CostColumn), u"—"_s);
        QVERIFY(model.index(otherRow, SessionTableModel::CostColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(u"No price for x"_s));

        // Resumed: the usage read when the console attached, plus the live turns.
        model.sessionConnected(past.id, past.userId, past.startTime);
        model.setBaseUsage(past.id, stored);
        model.addTokens(past.id, 3);
        model.flushPendingUpdates();
        QCOMPARE(text(row, SessionTableModel::TokensColumn), u"103"_s);
        model.addTurn(past.id, u"m"_s, 500, 50, 1500);
        model.addToolCall(past.id);
        // A page read now (it may hold the live turn already) does not replace a live row.
        SessionUsage later = stored;
        later.addReply(u"m"_s, 500, 50, 1500);
        model.setStoredUsage({{past.id, later}});
        model.flushPendingUpdates();
        QCOMPARE(text(row, SessionTableModel::TokensColumn), u"150"_s); // the usage, not 3 deltas
        QCOMPARE(text(row, SessionTableModel::TtftColumn), u"700 ms"_s);
        QCOMPARE(text(row, SessionTableModel::ToolCallsColumn), u"3"_s);
        QCOMPARE(*model.cost(row), (900.0 * 1000 + 150.0 * 2000) / 1e6);

        // Sorting by cost uses the number, unknown first.
        SessionFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.sort(SessionTableModel::CostColumn, Qt::AscendingOrder);
        QCOMPARE(column(proxy, SessionTableModel::UserColumn), (QStringList{u"bob"_s, u"ada"_s}));
    }

    void liveDurationsAreRefreshed() {
        SessionTableModel model;
        const Session ended = make(u"a"_s, 1, true);
        model.addSessions({ended});
        model.sessionConnected(Ids::newSessionId(), u"live"_s, Timestamps::now().addMSecs(-75'500));
        QCOMPARE(model.index(1, SessionTableModel::DurationColumn).data().toString(),
                 u"1 m 15 s"_s);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.refreshDurations();
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().at(0).toModelIndex().row(), 1); // the live row only
        QCOMPARE(changed.first().at(0).toModelIndex().column(),
                 int(SessionTableModel::DurationColumn));
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
