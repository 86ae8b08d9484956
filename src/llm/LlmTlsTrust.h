#pragma once

#include <QSslConfiguration>
#include <QString>

// The TLS configuration of requests to an LLM endpoint: the system's CA certificates plus those
// of llm/ca_file (a private CA, a self-signed server). Reads the file: callers keep the result.
class LlmTlsTrust {
public:
    static QSslConfiguration configuration(const QString &caFile);
};
