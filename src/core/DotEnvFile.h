#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

// Reads a `.env` file the way python-dotenv does for the cases people write by hand:
// `KEY=value`, `export KEY=value`, comments, blank lines, single or double quotes (with \n and
// \" escapes inside double quotes), and a trailing ` # comment` after an unquoted value.
class DotEnvFile {
public:
    // A missing file is not an error: the result is simply empty.
    static DotEnvFile read(const QString &path);
    static DotEnvFile parse(const QString &text);

    QHash<QString, QString> values() const { return m_values; }
    // One entry per line that could not be understood, with its line number.
    QStringList errors() const { return m_errors; }

private:
    QHash<QString, QString> m_values;
    QStringList m_errors;
};
