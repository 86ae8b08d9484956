#pragma once

#include <QWidget>

class LogBuffer;
class LogFilterProxyModel;
class LogModel;
class QComboBox;
class QLineEdit;
class QTableView;

// The program's own log in the console: the last lines, filterable by category, level and
// text, following the newest line while scrolled to the bottom.
class LogPane : public QWidget {
    Q_OBJECT
public:
    explicit LogPane(QWidget *parent = nullptr);

    void setSource(LogBuffer *buffer);

    LogModel *model() const { return m_model; }
    LogFilterProxyModel *proxy() const { return m_proxy; }
    QTableView *table() const { return m_table; }
    QComboBox *categoryBox() const { return m_category; }
    QComboBox *levelBox() const { return m_level; }
    QLineEdit *textFilter() const { return m_text; }

private:
    void addCategory(const QString &category);

    LogModel *m_model = nullptr;
    LogFilterProxyModel *m_proxy = nullptr;
    QTableView *m_table = nullptr;
    QComboBox *m_category = nullptr;
    QComboBox *m_level = nullptr;
    QLineEdit *m_text = nullptr;
    bool m_atBottom = true;
};
