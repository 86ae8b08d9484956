#include "ui/LogModel.h"

#include "core/LogBuffer.h"

#include <QColor>
#include <QFont>

using namespace Qt::StringLiterals;

LogModel::LogModel(QObject *parent, qsizetype capacity)
    : QAbstractTableModel(parent)
    , m_capacity(std::max<qsizetype>(1, capacity)) {}

void LogModel::setSource(LogBuffer *buffer) {
    if (m_source)
        m_source->disconnect(this);
    m_source = buffer;
    if (!buffer)
        return;
    connect(buffer, &LogBuffer::linesAvailable, this, &LogModel::drain);
    drain();
}

void LogModel::drain() {
    if (m_source)
        appendLines(m_source->take());
}

void LogModel::appendLines(const QList<LogLine> &lines) {
    if (lines.isEmpty())
        return;
    for (const LogLine &line : lines) {
        if (!m_categories.contains(line.category)) {
            m_categories.insert(line.category);
            Q_EMIT categoryAdded(line.category);
        }
    }
    const qsizetype incoming = std::min(lines.size(), m_capacity);
    const qsizetype excess = m_lines.size() + incoming - m_capacity;
    if (excess >= m_lines.size() && !m_lines.isEmpty()) {
        beginResetModel();
        m_lines = lines.mid(lines.size() - incoming);
        endResetModel();
        return;
    }
    if (excess > 0) {
        beginRemoveRows({}, 0, int(excess) - 1);
        m_lines.remove(0, excess);
        endRemoveRows();
    }
    const int first = int(m_lines.size());
    beginInsertRows({}, first, first + int(incoming) - 1);
    m_lines.append(lines.mid(lines.size() - incoming));
    endInsertRows();
}

void LogModel::clear() {
    beginResetModel();
    m_lines.clear();
    endResetModel();
}

int LogModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_lines.size());
}

int LogModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QStringList LogModel::categories() const {
    QStringList list(m_categories.cbegin(), m_categories.cend());
    list.sort();
    return list;
}

int LogModel::severity(QtMsgType type) {
    switch (type) {
    case QtDebugMsg:
        return 0;
    case QtInfoMsg:
        return 1;
    case QtWarningMsg:
        return 2;
    case QtCriticalMsg:
        return 3;
    case QtFatalMsg:
        return 4;
    }
    return 0;
}

QString LogModel::levelName(QtMsgType type) {
    switch (type) {
    case QtDebugMsg:
        return u"debug"_s;
    case QtInfoMsg:
        return u"info"_s;
    case QtWarningMsg:
        return u"warning"_s;
    case QtCriticalMsg:
        return u"critical"_s;
    case QtFatalMsg:
        return u"fatal"_s;
    }
    return {};
}

QVariant LogModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_lines.size())
        return {};
    const LogLine &line = m_lines.at(index.row());
    switch (role) {
    case SeverityRole:
        return severity(line.type);
    case CategoryRole:
        return line.category;
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return line.time.toLocalTime().toString(u"HH:mm:ss.zzz"_s);
        case LevelColumn:
            return levelName(line.type);
        case CategoryColumn:
            return line.category;
        case MessageColumn:
            // One row per line: a multi-line message shows its first line, the tooltip all.
            return line.message.section(u'\n', 0, 0);
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == MessageColumn && line.message.contains(u'\n'))
            return line.message;
        if (index.column() == TimeColumn)
            return line.time.toLocalTime().toString(Qt::ISODateWithMs);
        return {};
    case Qt::ForegroundRole:
        if (line.type == QtWarningMsg)
            return QColor(0xc0, 0x6c, 0x00);
        if (line.type == QtCriticalMsg || line.type == QtFatalMsg)
            return QColor(0xd3, 0x2f, 0x2f);
        return {};
    case Qt::FontRole:
        if (line.type == QtCriticalMsg || line.type == QtFatalMsg) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        return {};
    }
    return {};
}

QVariant LogModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return u"Time"_s;
    case LevelColumn:
        return u"Level"_s;
    case CategoryColumn:
        return u"Category"_s;
    case MessageColumn:
        return u"Message"_s;
    }
    return {};
}
