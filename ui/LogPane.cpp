#include "ui/LogPane.h"

#include "ui/LogFilterProxyModel.h"
#include "ui/LogModel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

LogPane::LogPane(QWidget *parent)
    : QWidget(parent) {
    m_model = new LogModel(this);
    m_proxy = new LogFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);

    m_category = new QComboBox(this);
    m_category->setObjectName(u"logCategory"_s);
    m_category->addItem(tr("All categories"), QString());
    m_category->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_model, &LogModel::categoryAdded, this, &LogPane::addCategory);
    connect(m_category, &QComboBox::currentIndexChanged, this,
            [this](int index) { m_proxy->setCategory(m_category->itemData(index).toString()); });

    m_level = new QComboBox(this);
    m_level->setObjectName(u"logLevel"_s);
    for (const QtMsgType type : {QtDebugMsg, QtInfoMsg, QtWarningMsg, QtCriticalMsg})
        m_level->addItem(tr("%1 and above").arg(LogModel::levelName(type)),
                         LogModel::severity(type));
    connect(m_level, &QComboBox::currentIndexChanged, this,
            [this](int index) { m_proxy->setMinimumSeverity(m_level->itemData(index).toInt()); });

    m_text = new QLineEdit(this);
    m_text->setObjectName(u"logText"_s);
    m_text->setPlaceholderText(tr("Filter messages"));
    m_text->setClearButtonEnabled(true);
    connect(m_text, &QLineEdit::textChanged, m_proxy, &LogFilterProxyModel::setText);

    auto *clear = new QPushButton(tr("Clear"), this);
    clear->setObjectName(u"logClear"_s);
    connect(clear, &QPushButton::clicked, m_model, &LogModel::clear);

    m_table = new QTableView(this);
    m_table->setObjectName(u"logTable"_s);
    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 4);
    m_table->horizontalHeader()->setStretchLastSection(true);
    const QFontMetrics metrics = m_table->fontMetrics();
    m_table->setColumnWidth(LogModel::TimeColumn, metrics.horizontalAdvance(u"00:00:00.000__"_s));
    m_table->setColumnWidth(LogModel::LevelColumn, metrics.horizontalAdvance(u"critical___"_s));
    m_table->setColumnWidth(LogModel::CategoryColumn,
                            metrics.horizontalAdvance(u"rtai.localmodel___"_s));

    // Follow the newest line only while the operator has not scrolled up to read.
    QScrollBar *bar = m_table->verticalScrollBar();
    connect(bar, &QScrollBar::valueChanged, this,
            [this, bar](int value) { m_atBottom = value >= bar->maximum() - 2; });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_atBottom)
            m_table->scrollToBottom();
    });

    auto *filters = new QHBoxLayout;
    filters->addWidget(m_category);
    filters->addWidget(m_level);
    filters->addWidget(m_text, 1);
    filters->addWidget(clear);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(filters);
    layout->addWidget(m_table, 1);
}

void LogPane::setSource(LogBuffer *buffer) {
    m_model->setSource(buffer);
}

void LogPane::addCategory(const QString &category) {
    int at = 1;
    while (at < m_category->count() && m_category->itemText(at) < category)
        ++at;
    m_category->insertItem(at, category, category);
}
