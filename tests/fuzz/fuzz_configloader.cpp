// ConfigLoader::load with a fuzzed config file (INI), .env file, environment and command line.
// Input: four parts separated by lines "%%": the INI text, the .env text, the environment
// (KEY=VALUE lines), the arguments (one per line); then a fifth: a value for the property below.
// Properties: no crash; Fail exactly when there are errors; a configuration that runs has every
// value in range; the environment wins over the config file; a value written by hand in the
// config file (`model=VALUE` in [llm]) is read as written.
#include "FuzzSupport.h"
#include "core/ConfigLoader.h"
#include "core/Logging.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QHostAddress>
#include <QRegularExpression>
#include <QTemporaryDir>

using namespace Qt::StringLiterals;

namespace {

QTemporaryDir *workDir = nullptr;

void writeFile(const QString &path, const QByteArray &content, int iteration = 0) {
    QFile::remove(path);
    QFile file(path);
    FUZZ_CHECK(file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
                   file.write(content) == content.size(),
               u"cannot write "_s + path);
    if (iteration > 0) {
        // QSettings caches files by name, size and modification time: a new time each run.
        file.flush();
        file.setFileTime(QDateTime::fromSecsSinceEpoch(1'000'000'000 + iteration, Qt::UTC),
                         QFileDevice::FileModificationTime);
    }
}

// A value people write in an INI file without quoting: printable ASCII, no INI syntax.
bool isPlainIniValue(const QByteArray &value) {
    if (value.isEmpty() || value.front() == ' ' || value.back() == ' ')
        return false;
    for (const char c : value)
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == ';' || c == '#' || c == '%')
            return false;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
    fuzzQuietQt();
    static int appArgc = 1;
    static char *appArgv[] = {(*argc > 0 ? (*argv)[0] : nullptr), nullptr};
    new QCoreApplication(appArgc, appArgv); // QCommandLineParser's help text wants one
    workDir = new QTemporaryDir();
    return workDir->isValid() ? 0 : 1;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int iteration = 0;
    const QList<QByteArray> parts = fuzzSections(fuzzBytes(data, size), 5);
    const QByteArray model = parts[4].trimmed();
    const bool checkModel = isPlainIniValue(model) && !parts[0].toLower().contains("model") &&
                            !parts[0].contains('%') && !parts[0].contains('\\');

    const QString iniPath = workDir->filePath(u"config.ini"_s);
    writeFile(iniPath, checkModel ? "[llm]\nmodel=" + model + "\n[General]\n" + parts[0] : parts[0],
              ++iteration);
    // Read-only: QSettings then takes no lock file.
    QFile::setPermissions(iniPath, QFileDevice::ReadOwner);
    writeFile(workDir->filePath(u".env"_s), parts[1]);

    QProcessEnvironment environment;
    for (const QByteArray &line : parts[2].split('\n')) {
        const qsizetype eq = line.indexOf('=');
        if (eq > 0)
            environment.insert(QString::fromUtf8(line.left(eq)),
                               QString::fromUtf8(line.mid(eq + 1)));
    }
    QStringList arguments{u"realtime-ai"_s, u"--config"_s, iniPath};
    bool argumentsNameModel = false;
    bool argumentsNamePort = false;
    if (!parts[3].isEmpty()) {
        for (const QByteArray &line : parts[3].split('\n')) {
            arguments << QString::fromUtf8(line);
            argumentsNameModel = argumentsNameModel || line.contains("model");
            argumentsNamePort = argumentsNamePort || line.contains("port");
        }
    }

    const ConfigLoadResult result = ConfigLoader::load(arguments, environment, workDir->path());

    const Config &config = result.config;
    const QString errors = result.errors.join(u'\n');
    switch (result.action) {
    case ConfigLoadResult::Action::ShowHelp:
    case ConfigLoadResult::Action::ShowVersion:
        return 0;
    case ConfigLoadResult::Action::Fail:
        FUZZ_CHECK(!result.errors.isEmpty(), u"Fail without an error"_s);
        return 0;
    case ConfigLoadResult::Action::Run:
        break;
    }
    FUZZ_CHECK(result.errors.isEmpty(), u"Run with errors: "_s + errors);
    FUZZ_CHECK(config.host == u"localhost" || !QHostAddress(config.host).isNull(), config.host);
    FUZZ_CHECK(config.maxMessageBytes >= 1 && config.maxMessageBytes <= 16 * 1024 * 1024 &&
                   config.maxQueuedMessages >= 0 && config.maxQueuedMessages <= 1000 &&
                   config.maxToolSteps >= 1 && config.maxToolSteps <= 50 &&
                   config.llmMaxConnections >= 0 && config.llmMaxConnections <= 100000 &&
                   config.summaryConcurrency >= 1 && config.summaryConcurrency <= 1000,
               u"a limit out of range"_s);
    FUZZ_CHECK(Logging::isValidLevel(config.logLevel), config.logLevel);
    FUZZ_CHECK(!config.databaseUrl.isEmpty(), u"a database URL"_s);
    FUZZ_CHECK((config.llmSource == Config::LlmSource::None) == config.llmBaseUrl.isEmpty(),
               u"a base URL exactly when there is a source"_s);

    const QString envPort = environment.value(u"RTAI_PORT"_s);
    if (!envPort.isEmpty() && !argumentsNamePort)
        FUZZ_CHECK(int(config.port) == envPort.trimmed().toInt(),
                   u"RTAI_PORT=%1 but port %2"_s.arg(envPort).arg(config.port));
    const bool modelFromEnvironment =
        !environment.value(u"LLM_MODEL"_s).isEmpty() ||
        (!environment.contains(u"LLM_MODEL"_s) && parts[1].contains("LLM_MODEL"));
    // QSettings splits an unquoted value at commas and trims the pieces; ConfigLoader joins them
    // with ", ", which is what people write.
    static const QRegularExpression comma(u"\\s*,\\s*"_s);
    const QString written = QString::fromLatin1(model).replace(comma, u", "_s);
    if (checkModel && !argumentsNameModel && !modelFromEnvironment)
        FUZZ_CHECK(
            config.llmModel == written,
            u"model=%1 in the config file, but the model is %2"_s.arg(written, config.llmModel));
    return 0;
}
