#include "ui/SessionSearchPane.h"

#include "core/FutureCallbacks.h"
#include "storage/SessionSearchStore.h"
#include "ui/SessionArchive.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {
constexpr int kPauseMs = 300;
constexpr int kShown = SessionSearchQuery::kMaxLimit;
constexpr int SessionRole = Qt::UserRole + 1;
} // namespace

SessionSearchPane::SessionSearchPane(QWidget *parent)
    : QWidget(parent)
    , m_field(new QLineEdit(this))
    , m_results(new QTreeWidget(this))
    , m_status(new QLabel(this))
    , m_pause(new QTimer(this)) {
    m_field->setObjectName(u"searchField"_s);
    m_field->setPlaceholderText(tr("Search transcripts, titles and summaries (Ctrl+K)"));
    m_field->setClearButtonEnabled(true);
    m_field->setMaxLength(SessionSearchQuery::kMaxTextLength);
    m_results->setObjectName(u"searchResults"_s);
    m_results->setHeaderLabels({tr("Title"), tr("User"), tr("Match")});
    m_results->setRootIsDecorated(false);
    m_results->setUniformRowHeights(true);
    m_results->setWordWrap(false);
    m_results->setAlternatingRowColors(true);
    m_results->header()->setStretchLastSection(true);
    m_results->setColumnWidth(0, 220);
    m_results->setColumnWidth(1, 100);
    m_results->setMaximumHeight(180);
    m_results->hide();
    m_status->setObjectName(u"searchStatus"_s);
    m_status->setWordWrap(true);
    m_status->hide();
    m_pause->setSingleShot(true);
    m_pause->setInterval(kPauseMs);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_field);
    layout->addWidget(m_status);
    layout->addWidget(m_results);

    connect(m_pause, &QTimer::timeout, this, &SessionSearchPane::search);
    connect(m_field, &QLineEdit::textChanged, this, [this] { m_pause->start(); });
    connect(m_field, &QLineEdit::returnPressed, this, &SessionSearchPane::search);
    const auto choose = [this](QTreeWidgetItem *item) {
        if (item)
            Q_EMIT sessionChosen(item->data(0, SessionRole).value<Session>());
    };
    connect(m_results, &QTreeWidget::itemActivated, this, choose);
    connect(m_results, &QTreeWidget::itemClicked, this, choose);
}

void SessionSearchPane::setArchive(SessionArchive *archive) {
    m_archive = archive;
}

void SessionSearchPane::search() {
    m_pause->stop();
    const quint64 generation = ++m_generation;
    const QString text = m_field->text();
    if (text.trimmed().isEmpty()) {
        m_results->clear();
        m_results->hide();
        m_status->hide();
        Q_EMIT searched();
        return;
    }
    if (SessionSearchStore::words(text).isEmpty()) {
        showStatus(tr("Type a word to search for: letters or digits."));
        return;
    }
    if (!m_archive) {
        showStatus(tr("The server is not running: start it to search its database."));
        return;
    }
    SessionSearchQuery query;
    query.text = text;
    query.limit = kShown;
    whenFinished(
        this, m_archive->searchSessions(query),
        [this, generation](const SessionSearchPage &page) {
            if (generation == m_generation)
                show(page.matches, page.nextBefore.isValid());
        },
        [this, generation](const QString &error) {
            if (generation == m_generation)
                showStatus(tr("The search failed: %1").arg(error));
        });
}

void SessionSearchPane::show(const QList<SessionMatch> &matches, bool more) {
    m_results->clear();
    if (matches.isEmpty()) {
        showStatus(tr("No session matches \u201c%1\u201d.").arg(m_field->text().trimmed()));
        return;
    }
    for (const SessionMatch &match : matches) {
        auto *item = new QTreeWidgetItem(m_results);
        const QString title =
            match.session.title.isEmpty() ? tr("(untitled)") : match.session.title;
        item->setText(0, title);
        item->setText(1, match.session.userId);
        item->setText(2, match.snippet);
        item->setToolTip(0, title);
        item->setToolTip(2, match.snippet);
        item->setData(0, SessionRole, QVariant::fromValue(match.session));
    }
    m_results->show();
    if (more)
        showStatus(tr("The newest %n matching sessions; add words to narrow the search.", "",
                      int(matches.size())));
    else
        m_status->hide();
    Q_EMIT searched();
}

void SessionSearchPane::showStatus(const QString &text) {
    m_status->setText(text);
    m_status->show();
    if (m_results->topLevelItemCount() == 0)
        m_results->hide();
    Q_EMIT searched();
}
