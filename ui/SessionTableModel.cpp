#include "ui/SessionTableModel.h"

#include "core/Ids.h"
#include "core/SessionTitle.h"
#include "core/Timestamps.h"

using namespace Qt::StringLiterals;

namespace {
QString localTime(const QDateTime &time) {
    return time.isValid() ? time.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s) : QString();
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
    case Qt::ToolTipRole:
        if (index.column() == StartedColumn)
            return Timestamps::toIso(s.startTime);
        if (index.column() == EndedColumn)
            return Timestamps::toIso(s.endTime);
        if (index.column() == TokensColumn && r.tokens < 0)
            return u"Open the session to count its tokens"_s;
        if (index.column() == TitleColumn && !s.title.isEmpty())
            return s.title;
        return s.summary.isEmpty() ? QVariant() : QVariant(s.summary);
    case Qt::TextAlignmentRole:
        if (index.column() == MessagesColumn || index.column() == TokensColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::EditRole:
        return index.column() == TitleColumn ? QVariant(s.title) : QVariant();
    case Qt::DisplayRole:
        switch (index.column()) {
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
            return r.tokens < 0 ? QVariant(u"—"_s) : QVariant(r.tokens);
        case StatusColumn:
            return statusName(status(index.row()));
        }
        return {};
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
        m_rows.append(Row{s, -1, false});
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
    if (r.tokens < 0)
        r.tokens = 0;
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
    Row &r = m_rows[row];
    r.tokens = std::max<qint64>(r.tokens, 0) + count;
    markDirty(row);
}

void SessionTableModel::setTokens(const QUuid &id, qint64 tokens) {
    const int row = rowOf(id);
    if (row < 0 || m_rows.at(row).tokens == tokens)
        return;
    m_rows[row].tokens = tokens;
    markDirty(row);
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
    return m_rows.at(row).tokens;
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
    Q_EMIT dataChanged(index(first, MessagesColumn), index(last, TokensColumn), {Qt::DisplayRole});
}
