#pragma once

#include <QSortFilterProxyModel>

// Filters the log by minimum level, category (empty: every category) and text in the message.
class LogFilterProxyModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit LogFilterProxyModel(QObject *parent = nullptr);

    // LogModel::severity() of the least severe line shown.
    void setMinimumSeverity(int severity);
    int minimumSeverity() const { return m_minimumSeverity; }
    void setCategory(const QString &category);
    QString category() const { return m_category; }
    void setText(const QString &text);
    QString text() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    int m_minimumSeverity = 0;
    QString m_category;
    QString m_text;
};
