#pragma once

#include <QDialog>
#include <QUrl>

class QLabel;
class QLineEdit;

// File ▸ Connect to server…: the address of a remote `realtime-ai --server` and its admin token
// (RTAI_API_TOKEN). OK is accepted only for an address AdminClient can use; the reason shows
// otherwise.
class ConnectDialog : public QDialog {
    Q_OBJECT

public:
    explicit ConnectDialog(QWidget *parent = nullptr);

    QUrl url() const;
    QString token() const;
    void setUrl(const QString &url);
    void setToken(const QString &token);

    void accept() override;

private:
    QLineEdit *m_url;
    QLineEdit *m_token;
    QLabel *m_problem;
};
