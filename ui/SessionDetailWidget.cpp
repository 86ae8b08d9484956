#include "ui/SessionDetailWidget.h"

#include "chat/ConversationFeed.h"
#include "core/FutureCallbacks.h"
#include "core/Ids.h"
#include "core/Logging.h"
#include "ui/EventLogModel.h"
#include "ui/SessionArchive.h"
#include "ui/SessionMonitor.h"
#include "ui/TranscriptView.h"

#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

// The same stored event: by id when both have one, else (a feed's event not committed when it
// was relayed has id 0) by what it holds.
bool sameEvent(const Event &a, const Event &b) {
    if (a.id != 0 && b.id != 0)
        return a.id == b.id;
    return a.type == b.type && a.createdAt == b.createdAt && a.content == b.content;
}
constexpr int EventPageSize = 1000;
} // namespace

SessionDetailWidget::SessionDetailWidget(SessionMonitor *monitor, QWidget *parent)
    : QWidget(parent)
    , m_monitor(monitor) {
    m_header = new QLabel(this);
    m_header->setObjectName(u"sessionHeader"_s);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setText(tr("No session selected"));

    m_transcript = new TranscriptView(this);
    m_transcript->setObjectName(u"transcript"_s);

    m_eventLog = new EventLogModel(this);
    m_eventTable = new QTableView(this);
    m_eventTable->setObjectName(u"eventLog"_s);
    m_eventTable->setModel(m_eventLog);
    m_eventTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_eventTable->setWordWrap(false);
    m_eventTable->verticalHeader()->hide();
    m_eventTable->horizontalHeader()->setStretchLastSection(true);
    m_eventTable->horizontalHeader()->setSectionResizeMode(EventLogModel::TypeColumn,
                                                           QHeaderView::ResizeToContents);
    m_eventTable->horizontalHeader()->setSectionResizeMode(EventLogModel::TimeColumn,
                                                           QHeaderView::ResizeToContents);
    m_eventTable->setColumnWidth(EventLogModel::ContentColumn, 320);

    m_summary = new QTextBrowser(this);
    m_summary->setObjectName(u"summary"_s);
    m_summary->setOpenExternalLinks(true);

    const auto titled = [this](const QString &title, QWidget *content) {
        auto *box = new QWidget(this);
        auto *label = new QLabel(title, box);
        QFont bold = label->font();
        bold.setBold(true);
        label->setFont(bold);
        label->setBuddy(content);
        auto *boxLayout = new QVBoxLayout(box);
        boxLayout->setContentsMargins(0, 4, 0, 0);
        boxLayout->setSpacing(2);
        boxLayout->addWidget(label);
        boxLayout->addWidget(content, 1);
        return box;
    };
    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(u"detailSplitter"_s);
    m_splitter->addWidget(titled(tr("&Transcript"), m_transcript));
    m_splitter->addWidget(titled(tr("S&ummary"), m_summary));
    m_splitter->addWidget(titled(tr("&Event log"), m_eventTable));
    m_splitter->setStretchFactor(0, 5);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setStretchFactor(2, 3);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_header);
    layout->addWidget(m_splitter, 1);

    connect(m_monitor, &SessionMonitor::attached, this, &SessionDetailWidget::onLiveAttached);
    connect(m_monitor, &SessionMonitor::detached, this, [this](const QUuid &id) {
        if (id != m_session.id || m_session.id.isNull())
            return;
        follow(nullptr);
        m_session.endTime = QDateTime::currentDateTimeUtc();
        updateHeader();
    });
    updateSummary();
}

void SessionDetailWidget::setArchive(SessionArchive *archive) {
    m_archive = archive;
}

QList<Event> SessionDetailWidget::events() const {
    return m_eventLog->events();
}

void SessionDetailWidget::clearSession() {
    ++m_generation;
    follow(nullptr);
    m_session = Session();
    m_loading = false;
    m_buffered.clear();
    m_transcript->clearTranscript();
    m_eventLog->clear();
    m_header->setText(tr("No session selected"));
    updateSummary();
}

void SessionDetailWidget::showSession(const Session &session) {
    clearSession();
    m_session = session;
    updateHeader();
    updateSummary();
    if (!m_archive)
        return;
    // Follow the live conversation from the moment of the read: each read sees every event
    // queued before it, and every later event comes through eventRecorded.
    follow(m_monitor->conversation(session.id));
    m_loading = true;
    m_transcript->setPlaceholderText(tr("Loading…"));
    loadEvents(m_generation, 0, {});
}

void SessionDetailWidget::loadEvents(quint64 generation, qint64 afterId, QList<Event> loaded) {
    const QUuid id = m_session.id;
    whenFinished(
        this, m_archive->events(id, afterId, EventPageSize),
        [this, generation, loaded = std::move(loaded)](const QList<Event> &page) mutable {
            if (generation != m_generation)
                return;
            loaded += page;
            if (page.size() == EventPageSize)
                loadEvents(generation, page.constLast().id, std::move(loaded));
            else
                finishLoading(loaded);
        },
        [this, generation, id](const QString &error) {
            if (generation != m_generation)
                return;
            m_loading = false;
            m_transcript->setPlaceholderText(tr("The events could not be read: %1").arg(error));
            Q_EMIT loadFailed(id, error);
        });
}

void SessionDetailWidget::finishLoading(const QList<Event> &events) {
    m_loading = false;
    m_transcript->setPlaceholderText(tr("No messages yet."));
    m_eventLog->setEvents(events);
    m_transcript->setEvents(events);
    for (const Event &event : events) {
        if (event.type == EventType::Summary && m_session.summary.isEmpty())
            m_session.summary = event.content;
    }
    // A remote server's feed and its REST reads are not ordered with each other: an event the
    // feed relayed while the read ran may be in the read too.
    const QList<Event> buffered = std::exchange(m_buffered, {});
    for (const Event &event : buffered) {
        if (std::none_of(events.cbegin(), events.cend(),
                         [&event](const Event &read) { return sameEvent(read, event); }))
            applyEvent(event);
    }
    if (m_conversation)
        m_transcript->setStreamingText(m_monitor->streamingText(m_session.id));
    updateSummary();
    m_eventTable->scrollToBottom();
    Q_EMIT loaded(m_session.id);
}

void SessionDetailWidget::applyEvent(const Event &event) {
    if (m_loading) {
        m_buffered.append(event);
        return;
    }
    m_eventLog->appendEvent(event);
    m_transcript->appendEvent(event);
    if (event.isMessage())
        ++m_session.messageCount;
}

void SessionDetailWidget::follow(ConversationFeed *conversation) {
    if (m_conversation)
        m_conversation->disconnect(this);
    m_conversation = conversation;
    if (!conversation)
        return;
    connect(conversation, &ConversationFeed::eventRecorded, this, &SessionDetailWidget::applyEvent);
    connect(conversation, &ConversationFeed::contentDelta, this, [this](const QString &text) {
        if (!m_loading)
            m_transcript->appendStreamingText(text);
    });
}

void SessionDetailWidget::onLiveAttached(const QUuid &sessionId) {
    if (sessionId != m_session.id || m_session.id.isNull() || m_conversation)
        return;
    // A client came back to the session on display: read it again and follow it live.
    Session resumed = m_session;
    resumed.endTime = {};
    showSession(resumed);
}

void SessionDetailWidget::setSummary(const QUuid &sessionId, const QString &summary) {
    if (sessionId != m_session.id || m_session.id.isNull())
        return;
    m_session.summary = summary;
    updateSummary();
}

void SessionDetailWidget::updateHeader() {
    const QString status = m_conversation         ? tr("connected")
                           : m_session.isActive() ? tr("active")
                                                  : tr("ended");
    m_header->setText(
        tr("<b>%1</b> · %2 · %3")
            .arg(m_session.userId.toHtmlEscaped(), Ids::toText(m_session.id), status));
}

void SessionDetailWidget::updateSummary() {
    if (m_session.id.isNull()) {
        m_summary->setPlainText(QString());
        m_summary->setPlaceholderText(tr("Select a session to see its summary."));
    } else if (m_session.summary.isEmpty()) {
        m_summary->setPlainText(QString());
        m_summary->setPlaceholderText(m_session.isActive()
                                          ? tr("The summary is written when the session ends.")
                                          : tr("The summary is being written…"));
    } else {
        m_summary->setMarkdown(m_session.summary);
    }
}
