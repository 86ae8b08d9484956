#pragma once

#include "storage/SessionMatch.h"

#include <QPointer>
#include <QUuid>
#include <QWidget>

class SessionArchive;
class QLabel;
class QLineEdit;
class QTimer;
class QTreeWidget;

// The console's transcript search: a search field and, while it holds text, the matching
// sessions read from the server's archive (SessionArchive::searchSessions): title,
// user and a snippet of the match. Choosing one emits sessionChosen. Typing searches after a
// short pause; Enter searches at once.
class SessionSearchPane : public QWidget {
    Q_OBJECT
public:
    explicit SessionSearchPane(QWidget *parent = nullptr);

    void setArchive(SessionArchive *archive); // nullptr: the server is stopped, nothing to search
    QLineEdit *field() const { return m_field; }
    QTreeWidget *results() const { return m_results; }
    QLabel *status() const { return m_status; }

public Q_SLOTS:
    void search(); // now, with the field's text

Q_SIGNALS:
    void sessionChosen(const Session &session);
    void searched(); // results (or why there are none) are shown

private:
    void show(const QList<SessionMatch> &matches, bool more);
    void showStatus(const QString &text);

    QPointer<SessionArchive> m_archive;
    QLineEdit *m_field;
    QTreeWidget *m_results;
    QLabel *m_status;
    QTimer *m_pause;
    quint64 m_generation = 0; // answers to an older search are dropped
};
