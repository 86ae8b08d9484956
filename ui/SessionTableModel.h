#pragma once

#include "core/ModelPrices.h"
#include "core/Session.h"
#include "core/SessionUsage.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QTimer>

// Live and past sessions, one row each. Rows are only ever appended (the proxy sorts them newest
// first), so a session's row is stable and found in O(1). Counter updates (messages, tokens)
// are coalesced: they mark the row dirty and one dataChanged per frame (16 ms) covers them all.
// A row's usage (tokens, time to first token, tool calls, cost) is what the database summed
// over its stored replies plus what the session's live turns added since the console attached.
class SessionTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        UserColumn,
        TitleColumn, // editable: an edit asks for a rename (titleEdited)
        IdColumn,
        StartedColumn,
        EndedColumn,
        MessagesColumn,
        TokensColumn,
        TtftColumn,
        DurationColumn,
        ToolCallsColumn,
        CostColumn,
        StatusColumn,
        ColumnCount
    };
    // SortRole: the number a column sorts by (numeric columns), -1 when unknown.
    enum Role { SessionIdRole = Qt::UserRole + 1, UserIdRole, StartTimeRole, StatusRole, SortRole };
    // Connected: a client is attached right now. Active: open in the database, nobody attached.
    enum class Status { Connected, Active, Ended };

    explicit SessionTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    // An edit of the title cell changes nothing yet: it asks for the rename (titleEdited), and
    // setTitle() shows the title once it is stored.
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;

    // A page read from the database. Sessions already known keep their live state and counters.
    void addSessions(const QList<Session> &sessions);
    void sessionConnected(const QUuid &id, const QString &userId, const QDateTime &startTime);
    void sessionDisconnected(const QUuid &id, const QDateTime &endTime);
    void addMessages(const QUuid &id, int count);
    // Content deltas of the running turn, counted until the turn's reported usage replaces them.
    void addTokens(const QUuid &id, qint64 count);
    // A live turn finished (its usage, model and time to first token; -1: no first token).
    void addTurn(const QUuid &id, const QString &model, qint64 promptTokens,
                 qint64 completionTokens, qint64 ttftMs);
    void addToolCall(const QUuid &id);
    // What the database summed for sessions of a page: used for the rows no live turn counted
    // in yet (a live row's own read, made when the console attached to it, is setBaseUsage).
    void setStoredUsage(const QHash<QUuid, SessionUsage> &usage);
    // The stored usage of a session as of the moment the console attached to it; live turns
    // are added to it.
    void setBaseUsage(const QUuid &id, const SessionUsage &usage);
    void setPrices(const ModelPrices &prices);
    // Live sessions' durations grow: one dataChanged for the rows without an end time.
    void refreshDurations();
    // Also the title made from the summary, unless the session was renamed (as the database).
    void setSummary(const QUuid &id, const QString &summary);
    void setTitle(const QUuid &id, const QString &title, const QString &source);
    // The title made from the first user message, when the session has none yet.
    void titleFromMessage(const QUuid &id, const QString &text);
    void removeSession(const QUuid &id);
    void clear();

    int rowOf(const QUuid &id) const; // -1 when unknown
    Session session(int row) const;
    Status status(int row) const;
    qint64 tokens(int row) const; // completion tokens; -1 while unknown (not read yet)
    // The stored and the live usage together; nullopt while unknown.
    std::optional<SessionUsage> usage(int row) const;
    std::optional<double> cost(int row) const; // nullopt: unknown, or a model without a price
    int connectedCount() const;

    static QString statusName(Status status);

    // Flushes pending counter updates at once (tests, and before a reset).
    void flushPendingUpdates();

Q_SIGNALS:
    // The title cell was edited: the user asks for this title (unchecked).
    void titleEdited(const QUuid &id, const QString &title);

private:
    struct Row {
        Session session;
        SessionUsage stored;
        SessionUsage live;       // turns finished since the console attached
        qint64 streaming = 0;    // deltas of the running turn
        bool usageKnown = false; // stored was read (or the session is new)
        bool connected = false;
    };
    QVariant display(int row, int column) const;
    QVariant sortValue(const Row &row, int column) const;
    QString toolTip(const Row &row, int column) const;
    int ensureRow(const QUuid &id);
    void markDirty(int row);

    QList<Row> m_rows;
    QHash<QUuid, int> m_rowById;
    int m_dirtyFirst = -1;
    int m_dirtyLast = -1;
    QTimer m_frameTimer;
    int m_connected = 0;
    ModelPrices m_prices;
};
