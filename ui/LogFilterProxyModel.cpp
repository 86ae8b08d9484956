#include "ui/LogFilterProxyModel.h"

#include "ui/LogModel.h"

LogFilterProxyModel::LogFilterProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent) {}

void LogFilterProxyModel::setMinimumSeverity(int severity) {
    if (severity == m_minimumSeverity)
        return;
    m_minimumSeverity = severity;
    invalidateFilter();
}

void LogFilterProxyModel::setCategory(const QString &category) {
    if (category == m_category)
        return;
    m_category = category;
    invalidateFilter();
}

void LogFilterProxyModel::setText(const QString &text) {
    if (text == m_text)
        return;
    m_text = text;
    invalidateFilter();
}

bool LogFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const {
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (index.data(LogModel::SeverityRole).toInt() < m_minimumSeverity)
        return false;
    if (!m_category.isEmpty() && index.data(LogModel::CategoryRole).toString() != m_category)
        return false;
    if (m_text.isEmpty())
        return true;
    return index.siblingAtColumn(LogModel::MessageColumn)
               .data()
               .toString()
               .contains(m_text, Qt::CaseInsensitive) ||
           index.siblingAtColumn(LogModel::MessageColumn)
               .data(Qt::ToolTipRole)
               .toString()
               .contains(m_text, Qt::CaseInsensitive);
}
