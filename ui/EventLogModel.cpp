#include "ui/EventLogModel.h"

#include "core/Timestamps.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace {
constexpr qsizetype MaxCellText = 300;

QString oneLine(const QString &text) {
    QString line = text.simplified();
    if (line.size() > MaxCellText)
        line = line.left(MaxCellText) + u'…';
    return line;
}
} // namespace

EventLogModel::EventLogModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int EventLogModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_events.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_events.size())
        return {};
    const Event &event = m_events.at(index.row());
    const QString metadata =
        event.metadata.isEmpty()
            ? QString()
            : QString::fromUtf8(QJsonDocument(event.metadata).toJson(QJsonDocument::Compact));
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case TypeColumn:
            return event.type;
        case TimeColumn:
            return event.createdAt.toLocalTime().toString(u"HH:mm:ss.zzz"_s);
        case ContentColumn:
            return oneLine(event.content);
        case MetadataColumn:
            return oneLine(metadata);
        }
    } else if (role == Qt::ToolTipRole) {
        switch (index.column()) {
        case TimeColumn:
            return Timestamps::toIso(event.createdAt);
        case ContentColumn:
            return event.content.isEmpty() ? QVariant() : QVariant(event.content);
        case MetadataColumn:
            return event.metadata.isEmpty()
                       ? QVariant()
                       : QVariant(QString::fromUtf8(
                             QJsonDocument(event.metadata).toJson(QJsonDocument::Indented)));
        }
    } else if (role == Qt::EditRole) {
        // The full text, for copying a cell.
        return index.column() == ContentColumn    ? QVariant(event.content)
               : index.column() == MetadataColumn ? QVariant(metadata)
                                                  : data(index, Qt::DisplayRole);
    }
    return {};
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TypeColumn:
        return u"Type"_s;
    case TimeColumn:
        return u"Time"_s;
    case ContentColumn:
        return u"Content"_s;
    case MetadataColumn:
        return u"Metadata"_s;
    }
    return {};
}

void EventLogModel::setEvents(const QList<Event> &events) {
    beginResetModel();
    m_events = events;
    endResetModel();
}

void EventLogModel::appendEvent(const Event &event) {
    const int row = int(m_events.size());
    beginInsertRows({}, row, row);
    m_events.append(event);
    endInsertRows();
}

void EventLogModel::clear() {
    setEvents({});
}
