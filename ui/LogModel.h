#pragma once

#include "core/LogLine.h"

#include <QAbstractTableModel>
#include <QList>
#include <QPointer>
#include <QSet>

class LogBuffer;

// The last `capacity` lines of the program's log, one row each, oldest first. Lines come from a
// LogBuffer (any thread) and are added in batches; beyond the capacity the oldest rows go.
class LogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, LevelColumn, CategoryColumn, MessageColumn, ColumnCount };
    enum Role { SeverityRole = Qt::UserRole + 1, CategoryRole };
    static constexpr qsizetype DefaultCapacity = 5000;

    explicit LogModel(QObject *parent = nullptr, qsizetype capacity = DefaultCapacity);

    // Takes the lines the buffer holds now, then each batch as it arrives.
    void setSource(LogBuffer *buffer);
    void appendLines(const QList<LogLine> &lines);
    void clear();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    const LogLine &line(int row) const { return m_lines.at(row); }
    qsizetype capacity() const { return m_capacity; }
    QStringList categories() const; // every category seen, sorted

    // debug 0, info 1, warning 2, critical 3, fatal 4 (QtMsgType is not in severity order).
    static int severity(QtMsgType type);
    static QString levelName(QtMsgType type);

Q_SIGNALS:
    void categoryAdded(const QString &category);

private:
    void drain();

    const qsizetype m_capacity;
    QList<LogLine> m_lines;
    QSet<QString> m_categories;
    QPointer<LogBuffer> m_source;
};
