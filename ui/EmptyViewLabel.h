#pragma once

#include <QLabel>
#include <functional>

class QAbstractItemView;

// A line of text over an item view while its model has no rows, so that an empty view says why
// it is empty. The text is asked for each time (empty: nothing is shown).
class EmptyViewLabel : public QLabel {
    Q_OBJECT
public:
    using TextFunction = std::function<QString()>;

    EmptyViewLabel(QAbstractItemView *view, TextFunction text);

    // Called on the model's row changes; call it too when what the text depends on changes.
    void refresh();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QAbstractItemView *m_view;
    TextFunction m_text;
};
