#pragma once

#include "core/Event.h"

#include <QAbstractTableModel>
#include <QList>

// The raw events of one session: type, time, content, metadata JSON, in stored order.
class EventLogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TypeColumn, TimeColumn, ContentColumn, MetadataColumn, ColumnCount };

    explicit EventLogModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void setEvents(const QList<Event> &events);
    void appendEvent(const Event &event);
    void clear();
    const QList<Event> &events() const { return m_events; }

private:
    QList<Event> m_events;
};
