#include "ui/ServerPanel.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>

using namespace Qt::StringLiterals;

ServerPanel::ServerPanel(QWidget *parent)
    : QWidget(parent) {
    m_urlLabel = value(u"serverUrl"_s);
    m_urlLabel->setTextFormat(Qt::RichText);
    m_urlLabel->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
    connect(m_urlLabel, &QLabel::linkActivated, this,
            [this](const QString &link) { Q_EMIT openUrlRequested(QUrl(link)); });
    m_clients = value(u"serverClients"_s);
    m_sessions = value(u"serverSessions"_s);
    m_llm = value(u"serverLlm"_s);
    m_llmIcon = new QLabel(this);
    m_llmIcon->setObjectName(u"serverLlmWarning"_s);
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_llmIcon->setPixmap(
        style()->standardIcon(QStyle::SP_MessageBoxWarning, nullptr, this).pixmap(iconSize));
    m_llmIcon->hide();
    m_llmSettings = new QPushButton(tr("Settings…"), this);
    m_llmSettings->setObjectName(u"llmSettingsButton"_s);
    m_llmSettings->setToolTip(tr("Configure the LLM"));
    m_llmSettings->hide();
    connect(m_llmSettings, &QPushButton::clicked, this, &ServerPanel::settingsRequested);
    m_database = value(u"serverDatabase"_s);
    m_turns = value(u"serverTurns"_s);
    m_uptime = value(u"serverUptime"_s);
    m_startStop = new QPushButton(this);
    m_startStop->setObjectName(u"startStopButton"_s);
    connect(m_startStop, &QPushButton::clicked, this, [this] {
        if (m_running)
            Q_EMIT stopRequested();
        else
            Q_EMIT startRequested();
    });

    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(8, 4, 8, 4);
    grid->setHorizontalSpacing(12);
    const auto add = [this, grid](int row, int column, const QString &caption, QLabel *field) {
        auto *label = new QLabel(caption, this);
        label->setBuddy(field);
        grid->addWidget(label, row, column * 2, Qt::AlignRight);
        grid->addWidget(field, row, column * 2 + 1);
    };
    add(0, 0, tr("Listening"), m_urlLabel);
    add(1, 0, tr("LLM"), m_llm);
    auto *llmRow = new QHBoxLayout;
    llmRow->setContentsMargins(0, 0, 0, 0);
    llmRow->addWidget(m_llmIcon);
    llmRow->addWidget(m_llm, 1);
    llmRow->addWidget(m_llmSettings);
    grid->removeWidget(m_llm);
    grid->addLayout(llmRow, 1, 1);
    add(2, 0, tr("Database"), m_database);
    add(0, 1, tr("Clients"), m_clients);
    add(1, 1, tr("Sessions"), m_sessions);
    add(2, 1, tr("Turns/min"), m_turns);
    add(0, 2, tr("Uptime"), m_uptime);
    grid->addWidget(m_startStop, 1, 5, 2, 1, Qt::AlignTop);
    grid->setColumnStretch(1, 3);
    grid->setColumnStretch(3, 1);
    grid->setColumnStretch(5, 1);

    setRunning(false, {});
    setClients(0);
    setSessions(0);
    setTurnsPerMinute(0);
    setUptime(-1);
}

QLabel *ServerPanel::value(const QString &objectName) {
    auto *label = new QLabel(this);
    label->setObjectName(objectName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

void ServerPanel::setRunning(bool running, const QUrl &url) {
    m_running = running;
    m_url = url;
    if (running && url.isValid()) {
        const QString text = url.toString().toHtmlEscaped();
        m_urlLabel->setText(u"<a href=\"%1\">%1</a>"_s.arg(text));
        m_urlLabel->setToolTip(tr("Open the web client in the browser"));
    } else {
        m_urlLabel->setText(tr("stopped"));
        m_urlLabel->setToolTip({});
    }
    m_startStop->setText(running ? tr("Stop server") : tr("Start server"));
}

void ServerPanel::setStatusText(const QString &text) {
    m_urlLabel->setText(text.toHtmlEscaped());
}

void ServerPanel::setClients(int clients) {
    m_clients->setText(QString::number(clients));
}

void ServerPanel::setSessions(int sessions) {
    m_sessions->setText(QString::number(sessions));
}

void ServerPanel::setLlm(const QString &text, const QString &details, bool warning) {
    m_llm->setText(text);
    m_llm->setToolTip(details);
    m_llmWarning = warning;
    m_llmIcon->setVisible(warning);
    m_llmIcon->setToolTip(details);
    m_llmSettings->setVisible(warning);
    QPalette colours = palette();
    if (warning)
        colours.setColor(QPalette::WindowText, QColor(0xc0, 0x39, 0x2b));
    m_llm->setPalette(colours);
}

void ServerPanel::setDatabase(const QString &backend, bool healthy, const QString &reason) {
    m_database->setText(healthy ? tr("%1 · healthy").arg(backend)
                                : tr("%1 · unhealthy").arg(backend));
    m_database->setToolTip(reason);
}

void ServerPanel::setTurnsPerMinute(int turns) {
    m_turns->setText(QString::number(turns));
}

void ServerPanel::setUptime(qint64 seconds) {
    m_uptime->setText(seconds < 0 ? tr("—") : formatUptime(seconds));
}

QString ServerPanel::formatUptime(qint64 seconds) {
    const qint64 days = seconds / 86400;
    const qint64 hours = seconds / 3600 % 24;
    const qint64 minutes = seconds / 60 % 60;
    const qint64 secs = seconds % 60;
    const QString clock = u"%1:%2:%3"_s.arg(hours, 2, 10, QChar(u'0'))
                              .arg(minutes, 2, 10, QChar(u'0'))
                              .arg(secs, 2, 10, QChar(u'0'));
    return days > 0 ? u"%1d %2"_s.arg(days).arg(clock) : clock;
}
