#include "ui/SessionFilterProxyModel.h"

#include "ui/SessionTableModel.h"

#include <QDateTime>
#include <QUuid>

SessionFilterProxyModel::SessionFilterProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent) {
    setDynamicSortFilter(true);
    sort(SessionTableModel::StartedColumn, Qt::DescendingOrder);
}

void SessionFilterProxyModel::setUserFilter(const QString &text) {
    const QString trimmed = text.trimmed();
    if (trimmed == m_user)
        return;
    m_user = trimmed;
    invalidateFilter();
}

void SessionFilterProxyModel::setStatusFilter(StatusFilter filter) {
    if (filter == m_status)
        return;
    m_status = filter;
    invalidateFilter();
}

bool SessionFilterProxyModel::filterAcceptsRow(int sourceRow,
                                               const QModelIndex &sourceParent) const {
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_user.isEmpty() &&
        !index.data(SessionTableModel::UserIdRole).toString().contains(m_user, Qt::CaseInsensitive))
        return false;
    if (m_status == StatusFilter::Any)
        return true;
    const auto status =
        SessionTableModel::Status(index.data(SessionTableModel::StatusRole).toInt());
    return (m_status == StatusFilter::Ended) == (status == SessionTableModel::Status::Ended);
}

bool SessionFilterProxyModel::lessThan(const QModelIndex &left, const QModelIndex &right) const {
    const int column = left.column();
    if (const QVariant a = left.data(SessionTableModel::SortRole); a.isValid())
        return a.toDouble() < right.data(SessionTableModel::SortRole).toDouble();
    if (column != SessionTableModel::StartedColumn)
        return QSortFilterProxyModel::lessThan(left, right);
    const QDateTime a = left.siblingAtColumn(SessionTableModel::StartedColumn)
                            .data(SessionTableModel::StartTimeRole)
                            .toDateTime();
    const QDateTime b = right.siblingAtColumn(SessionTableModel::StartedColumn)
                            .data(SessionTableModel::StartTimeRole)
                            .toDateTime();
    if (a != b)
        return a < b;
    return left.data(SessionTableModel::SessionIdRole).toUuid() <
           right.data(SessionTableModel::SessionIdRole).toUuid();
}
