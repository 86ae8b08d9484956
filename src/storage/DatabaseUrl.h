#pragma once

#include <QString>
#include <QStringList>
#include <optional>

// A parsed DATABASE_URL / SUPABASE_DB_URL:
//   postgresql://[user[:password]@]host[:port]/dbname[?sslmode=…&connect_timeout=…]
//   (also postgres://; the password may be percent-encoded; sslmode is one of libpq's
//   disable, allow, prefer, require, verify-ca, verify-full)
//   sqlite:///absolute/path/to/file.db
class DatabaseUrl {
public:
    enum class Backend { Sqlite, Postgres };

    // Returns nothing for a malformed URL and sets *error to a sentence naming the problem
    // (never containing the password).
    static std::optional<DatabaseUrl> parse(const QString &url, QString *error);

    Backend backend() const { return m_backend; }
    QString backendName() const; // "sqlite" / "postgresql"

    QString sqlitePath() const { return m_sqlitePath; }

    QString host() const { return m_host; }
    int port() const { return m_port; } // 5432 when absent
    QString user() const { return m_user; }
    QString password() const { return m_password; }
    QString databaseName() const { return m_databaseName; }
    QString sslMode() const { return m_sslMode; } // empty: libpq's default (prefer)
    int connectTimeoutSeconds() const { return m_connectTimeout; } // 10 when absent

    // libpq options for QSqlDatabase::setConnectOptions (sslmode, connect_timeout).
    QString connectOptions() const;
    // The URL with the password hidden, for logs and error messages.
    QString redacted() const;

private:
    Backend m_backend = Backend::Sqlite;
    QString m_sqlitePath;
    QString m_host;
    int m_port = 5432;
    QString m_user;
    QString m_password;
    QString m_databaseName;
    QString m_sslMode;
    int m_connectTimeout = 10;
    QStringList m_extraOptions;
};
