#pragma once

#include <QSortFilterProxyModel>

// Filters the session table by user (substring, case-insensitive) and status, newest first.
class SessionFilterProxyModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class StatusFilter { Any, Live, Ended }; // Live: connected or still open

    explicit SessionFilterProxyModel(QObject *parent = nullptr);

    void setUserFilter(const QString &text);
    QString userFilter() const { return m_user; }
    void setStatusFilter(StatusFilter filter);
    StatusFilter statusFilter() const { return m_status; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    QString m_user;
    StatusFilter m_status = StatusFilter::Any;
};
