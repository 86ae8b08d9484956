#include "ui/SessionTableModel.h"

#include "core/Ids.h"
#include "core/SessionTitle.h"
#include "core/Timestamps.h"

using namespace Qt::StringLiterals;

namespace {
QString localTime(const QDateTime &time) {
    return time.isValid() ? time.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s) : QString();
}

QString milliseconds(qint64 ms) {
    return ms < 1000 ? u"%1 ms"_s.arg(ms) : u"%1 s"_s.arg(double(ms) / 1000.0, 0, 'f', 1);
}

QString duration(qint64 seconds) {
    if (seconds < 60)
        return u"%1 s"_s.arg(seconds);
    if (seconds < 3600)
        return u"%1 m %2 s"_s.arg(seconds / 60).arg(seconds % 60, 2, 10, QChar(u'0'));
    return u"%1 h %2 m"_s.arg(seconds / 3600).arg(seconds / 60 % 60, 2, 10, QChar(u'0'));
}

QString dollars(double cost) {
    return u"$%1"_s.arg(cost, 0, 'f', cost < 1 ? 4 : 2);
}

qint64 durationSeconds(const Session &s) {
    if (!s.startTime.isValid())
        return -1;
    const QDateTime end = s.endTime.isValid() ? s.endTime : Timestamps::now();
    return std::max<qint64>(0, s.startTime.secsTo(end));
}

bool isNumeric(int column) {
    return column == SessionTableModel::MessagesColumn ||
           column == SessionTableModel::TokensColumn || column == SessionTableModel::TtftColumn ||
           column == SessionTableModel::DurationColumn ||
           column == SessionTableModel::ToolCallsColumn || column == SessionTableModel::CostColumn;
}
} // namespace

SessionTableModel::SessionTableModel(QObject *parent)
    : QAbstractTableModel(parent) {
    m_frameTimer.setSingleShot(true);
    m_frameTimer.setInterval(16);
    connect(&m_frameTimer, &QTimer::timeout, this, &SessionTableModel::flushPendingUpdates);
}

int SessionTableModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SessionTableModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString SessionTableModel::statusName(Status status) {
    switch (status) {
    case Status::Connected:
        return u"connected"_s;
    case Status::Active:
        return u"active"_s;
    case Status::Ended:
        return u"ended"_s;
    }
    return {};
}

SessionTableModel::Status SessionTableModel::status(int row) const {
    const Row &r = m_rows.at(row);
    if (r.connected)
        return Status::Connected;
    return r.session.isActive() ? Status::Active : Status::Ended;
}

QVariant SessionTableModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &r = m_rows.at(index.row());
    const Session &s = r.session;
    switch (role) {
    case SessionIdRole:
        return s.id;
    case UserIdRole:
        return s.userId;
    case StartTimeRole:
        return s.startTime;
    case StatusRole:
        return int(status(index.row()));
    case SortRole:
        return sortValue(r, index.column());
    case Qt::ToolTipRole: {
        const QString tip = toolTip(r, index.column());
        if (!tip.isEmpty())
            return tip;
        return s.summary.isEmpty() ? QVariant() : QVariant(s.summary);
    }
    case Qt::TextAlignmentRole:
        if (isNumeric(index.column()))
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::EditRole:
        return index.column() == TitleColumn ? QVariant(s.title) : QVariant();
    case Qt::DisplayRole:
        return display(index.row(), index.column());
    }
    return {};
}

QVariant SessionTableModel::display(int row, int column) const {
    const Row &r = m_rows.at(row);
    const Session &s = r.session;
    const QVariant unknown = u"—"_s;
    switch (column) {
    case UserColumn:
        return s.userId;
    case TitleColumn:
        return s.title;
    case IdColumn:
        return Ids::toText(s.id);
    case StartedColumn:
        return localTime(s.startTime);
    case EndedColumn:
        return localTime(s.endTime);
    case MessagesColumn:
        return s.messageCount;
    case TokensColumn:
        return r.usageKnown
                   ? QVariant(r.stored.completionTokens() + r.live.completionTokens() + r.streaming)
                   : unknown;
    case TtftColumn: {
        if (!r.usageKnown)
            return unknown;
        SessionUsage all = r.stored;
        all += r.live;
        const std::optional<qint64> ttft = all.meanTtftMs();
        return ttft ? QVariant(milliseconds(*ttft)) : unknown;
    }
    case DurationColumn: {
        const qint64 seconds = durationSeconds(s);
        return seconds < 0 ? unknown : QVariant(duration(seconds));
    }
    case ToolCallsColumn:
        return r.usageKnown ? QVariant(r.stored.toolCalls + r.live.toolCalls) : unknown;
    case CostColumn: {
        if (!r.usageKnown)
            return unknown;
        SessionUsage all = r.stored;
        all += r.live;
        const std::optional<double> cost = m_prices.cost(all);
        return cost ? QVariant(dollars(*cost)) : unknown;
    }
    case StatusColumn:
        return statusName(status(row));
    }
    return {};
}

QVariant SessionTableModel::sortValue(const Row &r, int column) const {
    SessionUsage all = r.stored;
    all += r.live;
    switch (column) {
    case MessagesColumn:
        return r.session.messageCount;
    case TokensColumn:
        return r.usageKnown ? all.completionTokens() + r.streaming : -1;
    case TtftColumn:
        return r.usageKnown ? all.meanTtftMs().value_or(-1) : -1;
    case DurationColumn:
        return durationSeconds(r.session);
    case ToolCallsColumn:
        return r.usageKnown ? all.toolCalls : -1;
    case CostColumn:
        return r.usageKnown ? m_prices.cost(all).value_or(-1) : -1.0;
    }
    return {};
}

QString SessionTableModel::toolTip(const Row &r, int column) const {
    const Session &s = r.session;
    SessionUsage all = r.stored;
    all += r.live;
    switch (column) {
    case TitleColumn:
        return s.title;
    case StartedColumn:
        return Timestamps::toIso(s.startTime);
    case EndedColumn:
        return Timestamps::toIso(s.endTime);
    case DurationColumn:
        return s.endTime.isValid() ? tr("Ended %1").arg(Timestamps::toIso(s.endTime))
                                   : tr("Still open");
    case TokensColumn:
        if (!r.usageKnown)
            return tr("Reading the session's usage…");
        return tr("%1 completion tokens, %2 prompt tokens")
            .arg(all.completionTokens() + r.streaming)
            .arg(all.promptTokens());
    case TtftColumn:
        if (!r.usageKnown)
            return {};
        return tr("Mean time to first token over %n repl(ies)", nullptr, int(all.ttftCount));
    case CostColumn: {
        if (!r.usageKnown)
            return {};
        QStringList unpriced = m_prices.unpricedModels(all);
        for (QString &model : unpriced) {
            if (model.isEmpty())
                model = tr("replies without a model name");
        }
        if (!unpriced.isEmpty())
            return tr("No price for %1 in llm/prices").arg(unpriced.join(u", "_s));
        return tr("Estimated from llm/prices: %1 prompt and %2 completion tokens")
            .arg(all.promptTokens())
            .arg(all.completionTokens());
    }
    }
    return {};
}

QVariant SessionTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case UserColumn:
        return u"User"_s;
    case TitleColumn:
        return u"Title"_s;
    case IdColumn:
        return u"Session"_s;
    case StartedColumn:
        return u"Started"_s;
    case EndedColumn:
        return u"Ended"_s;
    case MessagesColumn:
        return u"Messages"_s;
    case TokensColumn:
        return u"Tokens"_s;
    case TtftColumn:
        return u"TTFT"_s;
    case DurationColumn:
        return u"Duration"_s;
    case ToolCallsColumn:
        return u"Tools"_s;
    case CostColumn:
        return u"Cost"_s;
    case StatusColumn:
        return u"Status"_s;
    }
    return {};
}

Qt::ItemFlags SessionTableModel::flags(const QModelIndex &index) const {
    const Qt::ItemFlags flags = QAbstractTableModel::flags(index);
    return index.isValid() && index.column() == TitleColumn ? flags | Qt::ItemIsEditable : flags;
}

bool SessionTableModel::setData(const QModelIndex &index, const QVariant &value, int role) {
    if (!index.isValid() || index.column() != TitleColumn || role != Qt::EditRole ||
        index.row() >= m_rows.size())
        return false;
    const Session &s = m_rows.at(index.row()).session;
    if (value.toString() != s.title)
        Q_EMIT titleEdited(s.id, value.toString());
    return false;
}

int SessionTableModel::ensureRow(const QUuid &id) {
    const auto it = m_rowById.constFind(id);
    if (it != m_rowById.constEnd())
        return *it;
    const int row = int(m_rows.size());
    beginInsertRows({}, row, row);
    Row r;
    r.session.id = id;
    m_rows.append(r);
    m_rowById.insert(id, row);
    endInsertRows();
    return row;
}

void SessionTableModel::addSessions(const QList<Session> &sessions) {
    QList<Session> fresh;
    for (const Session &s : sessions) {
        const int row = rowOf(s.id);
        if (row < 0) {
            fresh.append(s);
            continue;
        }
        Row &r = m_rows[row];
        // The live view is at least as recent as a page read from the database.
        if (!r.connected) {
            r.session.endTime = s.endTime;
            r.session.messageCount = std::max(r.session.messageCount, s.messageCount);
        }
        if (!s.summary.isEmpty())
            r.session.summary = s.summary;
        if (!s.title.isEmpty()) {
            r.session.title = s.title;
            r.session.titleSource = s.titleSource;
        }
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    if (fresh.isEmpty())
        return;
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(fresh.size()) - 1);
    for (const Session &s : fresh) {
        m_rowById.insert(s.id, int(m_rows.size()));
        Row r;
        r.session = s;
        m_rows.append(r);
    }
    endInsertRows();
}

void SessionTableModel::sessionConnected(const QUuid &id, const QString &userId,
                                         const QDateTime &startTime) {
    const int row = ensureRow(id);
    Row &r = m_rows[row];
    if (r.session.userId.isEmpty())
        r.session.userId = userId;
    if (!r.session.startTime.isValid())
        r.session.startTime = startTime;
    r.session.endTime = {};
    // Until setBaseUsage brings what is stored now, show what was known; the live part counts
    // only the turns from here on.
    r.stored += r.live;
    r.live = {};
    r.streaming = 0;
    r.usageKnown = true; // a new session has none; a resumed one gets setBaseUsage
    if (!r.connected)
        ++m_connected;
    r.connected = true;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void SessionTableModel::sessionDisconnected(const QUuid &id, const QDateTime &endTime) {
    const int row = rowOf(id);
    if (row < 0)
        return;
    Row &r = m_rows[row];
    if (r.connected)
        --m_connected;
    r.connected = false;
    r.session.endTime = endTime;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void SessionTableModel::addMessages(const QUuid &id, int count) {
    const int row = rowOf(id);
    if (row < 0)
        return;
    m_rows[row].session.messageCount += count;
    markDirty(row);
}

void SessionTableModel::addTokens(const QUuid &id, qint64 count) {
    const int row = rowOf(id);
    if (row < 0)
        return;
    m_rows[row].streaming += count;
    markDirty(row);
}

void SessionTableModel::addTurn(const QUuid &id, const QString &model, qint64 promptTokens,
                                qint64 completionTokens, qint64 ttftMs) {
    const int row = rowOf(id);
    if (row < 0)
        return;
    Row &r = m_rows[row];
    // The usage the server reported replaces the count of streamed deltas.
    r.live.addReply(model, promptTokens, completionTokens > 0 ? completionTokens : r.streaming,
                    ttftMs);
    r.streaming = 0;
    markDirty(row);
}

void SessionTableModel::addToolCall(const QUuid &id) {
    const int row = rowOf(id);
    if (row < 0)
        return;
    ++m_rows[row].live.toolCalls;
    markDirty(row);
}

void SessionTableModel::setStoredUsage(const QHash<QUuid, SessionUsage> &usage) {
    for (auto it = usage.constBegin(); it != usage.constEnd(); ++it) {
        const int row = rowOf(it.key());
        if (row < 0)
            continue;
        Row &r = m_rows[row];
        if (r.connected || r.live != SessionUsage{} || r.streaming != 0)
            continue;
        r.stored = *it;
        r.usageKnown = true;
        markDirty(row);
    }
}

void SessionTableModel::setBaseUsage(const QUuid &id, const SessionUsage &usage) {
    const int row = rowOf(id);
    if (row < 0)
        return;
    m_rows[row].stored = usage;
    m_rows[row].usageKnown = true;
    markDirty(row);
}

void SessionTableModel::setPrices(const ModelPrices &prices) {
    m_prices = prices;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, CostColumn), index(rowCount() - 1, CostColumn));
}

void SessionTableModel::refreshDurations() {
    int first = -1;
    int last = -1;
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows.at(row).session.endTime.isValid())
            continue;
        if (first < 0)
            first = row;
        last = row;
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, DurationColumn), index(last, DurationColumn),
                           {Qt::DisplayRole});
}

void SessionTableModel::setSummary(const QUuid &id, const QString &summary) {
    const int row = rowOf(id);
    if (row < 0)
        return;
    Session &session = m_rows[row].session;
    session.summary = summary;
    const QString title = SessionTitle::fromSummary(summary);
    if (!title.isEmpty() && session.titleSource != SessionTitle::kFromUser) {
        session.title = title;
        session.titleSource = SessionTitle::kFromSummary;
    }
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1),
                       {Qt::ToolTipRole, Qt::DisplayRole, Qt::EditRole});
}

void SessionTableModel::setTitle(const QUuid &id, const QString &title, const QString &source) {
    const int row = rowOf(id);
    if (row < 0)
        return;
    m_rows[row].session.title = title;
    m_rows[row].session.titleSource = source;
    Q_EMIT dataChanged(index(row, TitleColumn), index(row, TitleColumn));
}

void SessionTableModel::titleFromMessage(const QUuid &id, const QString &text) {
    const int row = rowOf(id);
    if (row < 0 || !m_rows.at(row).session.title.isEmpty())
        return;
    const QString title = SessionTitle::fromText(text);
    if (!title.isEmpty())
        setTitle(id, title, SessionTitle::kFromMessage);
}

void SessionTableModel::removeSession(const QUuid &id) {
    const int row = rowOf(id);
    if (row < 0)
        return;
    flushPendingUpdates();
    beginRemoveRows({}, row, row);
    if (m_rows.at(row).connected)
        --m_connected;
    m_rows.removeAt(row);
    m_rowById.remove(id);
    for (int i = row; i < m_rows.size(); ++i)
        m_rowById[m_rows.at(i).session.id] = i;
    endRemoveRows();
}

void SessionTableModel::clear() {
    m_frameTimer.stop();
    m_dirtyFirst = m_dirtyLast = -1;
    beginResetModel();
    m_rows.clear();
    m_rowById.clear();
    m_connected = 0;
    endResetModel();
}

int SessionTableModel::rowOf(const QUuid &id) const {
    return m_rowById.value(id, -1);
}

Session SessionTableModel::session(int row) const {
    return m_rows.at(row).session;
}

qint64 SessionTableModel::tokens(int row) const {
    const Row &r = m_rows.at(row);
    return r.usageKnown ? r.stored.completionTokens() + r.live.completionTokens() + r.streaming
                        : -1;
}

std::optional<SessionUsage> SessionTableModel::usage(int row) const {
    const Row &r = m_rows.at(row);
    if (!r.usageKnown)
        return std::nullopt;
    SessionUsage all = r.stored;
    all += r.live;
    return all;
}

std::optional<double> SessionTableModel::cost(int row) const {
    const std::optional<SessionUsage> all = usage(row);
    return all ? m_prices.cost(*all) : std::nullopt;
}

int SessionTableModel::connectedCount() const {
    return m_connected;
}

void SessionTableModel::markDirty(int row) {
    if (m_dirtyFirst < 0) {
        m_dirtyFirst = m_dirtyLast = row;
        m_frameTimer.start();
        return;
    }
    m_dirtyFirst = std::min(m_dirtyFirst, row);
    m_dirtyLast = std::max(m_dirtyLast, row);
}

void SessionTableModel::flushPendingUpdates() {
    m_frameTimer.stop();
    if (m_dirtyFirst < 0)
        return;
    const int first = m_dirtyFirst;
    const int last = m_dirtyLast;
    m_dirtyFirst = m_dirtyLast = -1;
    Q_EMIT dataChanged(index(first, MessagesColumn), index(last, CostColumn), {Qt::DisplayRole});
}
