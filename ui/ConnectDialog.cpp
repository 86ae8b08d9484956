#include "ui/ConnectDialog.h"

#include "ui/AdminClient.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

ConnectDialog::ConnectDialog(QWidget *parent)
    : QDialog(parent)
    , m_url(new QLineEdit(this))
    , m_token(new QLineEdit(this))
    , m_problem(new QLabel(this)) {
    setWindowTitle(tr("Connect to server"));
    m_url->setObjectName(u"connectUrl"_s);
    m_url->setPlaceholderText(u"http://server.example.com:18080"_s);
    m_token->setObjectName(u"connectToken"_s);
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("the server's RTAI_API_TOKEN"));
    m_problem->setObjectName(u"connectProblem"_s);
    m_problem->setWordWrap(true);
    m_problem->hide();
    auto *form = new QFormLayout;
    form->addRow(tr("Server address"), m_url);
    form->addRow(tr("Admin token"), m_token);
    auto *note = new QLabel(tr("The console watches the server through its admin API, "
                               "read-only. The token is not stored."),
                            this);
    note->setWordWrap(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ConnectDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);
}

QUrl ConnectDialog::url() const {
    return QUrl::fromUserInput(m_url->text().trimmed());
}

QString ConnectDialog::token() const {
    return m_token->text().trimmed();
}

void ConnectDialog::setUrl(const QString &url) {
    m_url->setText(url);
}

void ConnectDialog::setToken(const QString &token) {
    m_token->setText(token);
}

void ConnectDialog::accept() {
    const QString problem = m_url->text().trimmed().isEmpty() ? AdminClient::checkUrl({})
                                                              : AdminClient::checkUrl(url());
    if (!problem.isEmpty()) {
        m_problem->setText(problem);
        m_problem->show();
        m_url->setFocus();
        return;
    }
    QDialog::accept();
}
