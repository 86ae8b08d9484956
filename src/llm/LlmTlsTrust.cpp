#include "llm/LlmTlsTrust.h"

#include "core/Logging.h"

#include <QSslCertificate>

QSslConfiguration LlmTlsTrust::configuration(const QString &caFile) {
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    if (caFile.isEmpty())
        return configuration;
    const QList<QSslCertificate> certificates = QSslCertificate::fromPath(caFile, QSsl::Pem);
    if (certificates.isEmpty()) // ConfigTable refuses such a file at start
        qCWarning(lcLlm).noquote() << "llm/ca_file" << caFile << "holds no PEM certificate";
    configuration.addCaCertificates(certificates);
    return configuration;
}
