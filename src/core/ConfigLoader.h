#pragma once

#include "core/Config.h"

#include <QProcessEnvironment>
#include <QStringList>

struct ConfigLoadResult {
    enum class Action { Run, ShowHelp, ShowVersion, Fail };

    Action action = Action::Run;
    Config config;
    QStringList errors;   // each says what is wrong and how to fix it
    QStringList warnings; // accepted, but worth telling the user
    QString helpText;
};

// Builds the Config from the command line, the environment (plus `.env` in the working
// directory; the real environment wins), the QSettings config file and the defaults, in that
// order of precedence. Pure: reads files, never exits or prints.
class ConfigLoader {
public:
    static ConfigLoadResult load(const QStringList &arguments,
                                 const QProcessEnvironment &environment,
                                 const QString &workingDirectory);

    // The config file used when --config is not given.
    static QString defaultConfigFile();
    static QString defaultDataDir();
    // The SQLite database used when no database URL is configured: realtime-ai.db in dataDir.
    static QString defaultDatabaseUrl(const QString &dataDir);

    static inline const QString OpenAiBaseUrl = QStringLiteral("https://api.openai.com/v1");
};
