#include "ui/RemoteConsoleWindow.h"

#include "core/Ids.h"

#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

RemoteConsoleWindow::RemoteConsoleWindow(QWidget *parent)
    : QWidget(parent)
    , m_server(new RemoteServer(this))
    , m_state(new QLabel(this))
    , m_status(new QLabel(this))
    , m_sessions(new QListWidget(this))
    , m_transcript(new QPlainTextEdit(this))
    , m_end(new QPushButton(tr("&End session…"), this))
    , m_notice(new QLabel(this)) {
    setWindowTitle(tr("Remote server"));
    m_state->setObjectName(u"remoteState"_s);
    m_state->setWordWrap(true);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setObjectName(u"remoteStatus"_s);
    m_status->setWordWrap(true);
    m_sessions->setObjectName(u"remoteSessions"_s);
    m_transcript->setObjectName(u"remoteTranscript"_s);
    m_transcript->setReadOnly(true);
    m_transcript->setPlaceholderText(tr("Select a live session to follow its turns."));
    auto *splitter = new QSplitter(this);
    splitter->addWidget(m_sessions);
    splitter->addWidget(m_transcript);
    splitter->setStretchFactor(1, 3);
    m_end->setObjectName(u"remoteEndSession"_s);
    m_end->setToolTip(tr("Ends the selected live session: its client is disconnected and the "
                         "session is summarized. Needs admin/allow_remote_control on the server."));
    m_notice->setObjectName(u"remoteNotice"_s);
    m_notice->setWordWrap(true);
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_end);
    actions->addWidget(m_notice, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_state);
    layout->addWidget(m_status);
    layout->addWidget(splitter, 1);
    layout->addLayout(actions);
    resize(900, 560);

    connect(m_server, &RemoteServer::stateChanged, this, &RemoteConsoleWindow::showState);
    connect(m_server, &RemoteServer::statusChanged, this, &RemoteConsoleWindow::showStatus);
    connect(m_server, &RemoteServer::statusChanged, this, &RemoteConsoleWindow::showState);
    connect(m_end, &QPushButton::clicked, this, &RemoteConsoleWindow::endSelectedSession);
    connect(
        m_server, &RemoteServer::endAnswered, this, [this](const QUuid &id, const QString &error) {
            m_notice->setText(
                error.isEmpty() ? tr("Session %1 ended.").arg(Ids::toText(id))
                                : tr("⚠ Session %1 was not ended: %2").arg(Ids::toText(id), error));
        });
    connect(m_server, &RemoteServer::sessionOpened, this,
            [this](const QUuid &id, const QString &userId) {
                if (itemOf(id))
                    return;
                auto *item = new QListWidgetItem(u"%1 · %2"_s.arg(userId, Ids::toText(id)));
                item->setData(Qt::UserRole, id);
                m_sessions->addItem(item);
                showStatus(m_server->status());
            });
    connect(m_server, &RemoteServer::sessionClosed, this, [this](const QUuid &id) {
        delete itemOf(id);
        m_transcripts.remove(id);
        showStatus(m_server->status());
    });
    connect(m_server, &RemoteServer::turnStarted, this,
            [this](const QUuid &id, const QString &text) {
                append(id, (m_transcripts.value(id).isEmpty() ? QString() : u"\n\n"_s) +
                               tr("User: %1").arg(text) + u"\n"_s + tr("Assistant: "));
            });
    connect(m_server, &RemoteServer::contentReceived, this, &RemoteConsoleWindow::append);
    connect(m_server, &RemoteServer::toolCalled, this,
            [this](const QUuid &id, const QString &tool, bool ok) {
                append(id, ok ? tr("[%1] ").arg(tool) : tr("[%1 failed] ").arg(tool));
            });
    connect(m_server, &RemoteServer::turnFinished, this,
            [this](const QUuid &id, const QString &finishReason, const QString &error) {
                if (!error.isEmpty())
                    append(id, tr("\n(failed: %1)").arg(error));
                else if (finishReason != u"stop")
                    append(id, tr(" (%1)").arg(finishReason));
            });
    connect(m_sessions, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) {
        m_transcript->setPlainText(item ? m_transcripts.value(item->data(Qt::UserRole).toUuid())
                                        : QString());
        updateEndButton();
    });
    showState();
}

void RemoteConsoleWindow::endSelectedSession() {
    const QUuid id = selectedSession();
    if (id.isNull() || !m_end->isEnabled())
        return;
    if (m_confirm &&
        QMessageBox::question(this, tr("End session"),
                              tr("End live session %1 on %2? Its client is disconnected, a reply "
                                 "in progress is stopped, and the session is summarized.")
                                  .arg(Ids::toText(id), m_server->url().toString()),
                              QMessageBox::Yes | QMessageBox::Cancel,
                              QMessageBox::Cancel) != QMessageBox::Yes)
        return;
    m_notice->setText(tr("Ending session %1…").arg(Ids::toText(id)));
    m_server->endSession(id);
}

void RemoteConsoleWindow::updateEndButton() {
    m_end->setEnabled(m_server->state() == RemoteServer::State::Attached &&
                      m_server->remoteControl() && !selectedSession().isNull());
}

void RemoteConsoleWindow::attach(const QUrl &url, const QString &token) {
    setWindowTitle(tr("Remote server %1").arg(url.toString()));
    m_server->attach(url, token);
}

void RemoteConsoleWindow::selectSession(const QUuid &sessionId) {
    if (QListWidgetItem *item = itemOf(sessionId))
        m_sessions->setCurrentItem(item);
}

QUuid RemoteConsoleWindow::selectedSession() const {
    const QListWidgetItem *item = m_sessions->currentItem();
    return item ? item->data(Qt::UserRole).toUuid() : QUuid();
}

void RemoteConsoleWindow::showState() {
    const QString address = m_server->url().toString();
    switch (m_server->state()) {
    case RemoteServer::State::Idle:
        m_state->setText(tr("Not attached."));
        break;
    case RemoteServer::State::Connecting:
        m_state->setText(tr("Connecting to %1…").arg(address));
        break;
    case RemoteServer::State::Attached:
        m_state->setText(m_server->remoteControl()
                             ? tr("Attached to %1 (remote control allowed).").arg(address)
                             : tr("Attached to %1 (read-only).").arg(address));
        break;
    case RemoteServer::State::Failed:
        m_state->setText(tr("⚠ %1").arg(m_server->error()));
        break;
    }
    updateEndButton();
}

void RemoteConsoleWindow::showStatus(const QJsonObject &status) {
    const QJsonObject llm = status.value(u"llm"_s).toObject();
    // Connections as of the last status (every few seconds); live sessions as the feed says.
    QString line = tr("LLM: %1 · %2 connections · %3 live sessions")
                       .arg(llm.value(u"description"_s).toString())
                       .arg(status.value(u"connections"_s).toInt())
                       .arg(m_server->sessionIds().size());
    if (!status.value(u"ready"_s).toBool()) {
        QStringList reasons;
        for (const QJsonValue &reason : status.value(u"reasons"_s).toArray())
            reasons << reason.toString();
        line += u"\n"_s + tr("Not ready: %1").arg(reasons.join(u"; "_s));
    }
    m_status->setText(line);
}

void RemoteConsoleWindow::append(const QUuid &sessionId, const QString &text) {
    if (!m_server->sessionIds().contains(sessionId))
        return;
    m_transcripts[sessionId] += text;
    if (selectedSession() == sessionId) {
        m_transcript->moveCursor(QTextCursor::End);
        m_transcript->insertPlainText(text);
    }
}

QListWidgetItem *RemoteConsoleWindow::itemOf(const QUuid &sessionId) const {
    for (int row = 0; row < m_sessions->count(); ++row)
        if (m_sessions->item(row)->data(Qt::UserRole).toUuid() == sessionId)
            return m_sessions->item(row);
    return nullptr;
}
