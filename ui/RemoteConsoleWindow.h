#pragma once

#include "ui/RemoteServer.h"

#include <QHash>
#include <QUuid>
#include <QWidget>

class QLabel;
class QListWidget;
class QListWidgetItem;
class QPlainTextEdit;
class QPushButton;

// The console attached to a remote server (File ▸ Connect to server…): its status (address, LLM,
// connections, readiness), its live sessions and the live transcript of the selected one, as
// RemoteServer reports them; the transcript shows the turns since the console attached. Read-only
// unless the server allows remote control: then End session ends the selected one.
class RemoteConsoleWindow : public QWidget {
    Q_OBJECT

public:
    explicit RemoteConsoleWindow(QWidget *parent = nullptr);

    RemoteServer *server() const { return m_server; }
    void attach(const QUrl &url, const QString &token);
    // The transcript kept for a session (what the pane shows when it is selected).
    QString transcript(const QUuid &sessionId) const { return m_transcripts.value(sessionId); }
    void selectSession(const QUuid &sessionId);
    QUuid selectedSession() const;
    // Ends the selected session, after a confirmation unless confirmations are off (tests).
    void endSelectedSession();
    void setConfirmationsEnabled(bool enabled) { m_confirm = enabled; }

private:
    void showState();
    void showStatus(const QJsonObject &status);
    void updateEndButton();
    void append(const QUuid &sessionId, const QString &text);
    QListWidgetItem *itemOf(const QUuid &sessionId) const;

    RemoteServer *m_server;
    QLabel *m_state;
    QLabel *m_status;
    QListWidget *m_sessions;
    QPlainTextEdit *m_transcript;
    QPushButton *m_end;
    QLabel *m_notice; // what the last End answered
    bool m_confirm = true;
    QHash<QUuid, QString> m_transcripts;
};
