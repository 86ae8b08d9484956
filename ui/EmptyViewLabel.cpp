#include "ui/EmptyViewLabel.h"

#include <QAbstractItemView>
#include <QEvent>

EmptyViewLabel::EmptyViewLabel(QAbstractItemView *view, TextFunction text)
    : QLabel(view->viewport())
    , m_view(view)
    , m_text(std::move(text)) {
    setAlignment(Qt::AlignCenter);
    setWordWrap(true);
    setForegroundRole(QPalette::PlaceholderText);
    setAttribute(Qt::WA_TransparentForMouseEvents);
    view->viewport()->installEventFilter(this);
    QAbstractItemModel *model = view->model();
    for (const auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(model, signal, this, &EmptyViewLabel::refresh);
    connect(model, &QAbstractItemModel::modelReset, this, &EmptyViewLabel::refresh);
    connect(model, &QAbstractItemModel::layoutChanged, this, &EmptyViewLabel::refresh);
    refresh();
}

void EmptyViewLabel::refresh() {
    const QString text = m_view->model()->rowCount() == 0 ? m_text() : QString();
    setText(text);
    setGeometry(m_view->viewport()->rect());
    setVisible(!text.isEmpty());
}

bool EmptyViewLabel::eventFilter(QObject *watched, QEvent *event) {
    if (event->type() == QEvent::Resize)
        setGeometry(m_view->viewport()->rect());
    return QLabel::eventFilter(watched, event);
}
