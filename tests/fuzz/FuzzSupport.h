#pragma once

// Shared by the libFuzzer targets (tests/fuzz/fuzz_*.cpp): checks that fail the run with the
// input saved as a crash, and the input conventions of the seed corpora.

#include <QByteArray>
#include <QList>
#include <QString>
#include <QtGlobal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

// A property of the code under test that must hold for every input.
#define FUZZ_CHECK(condition, detail)                                                              \
    do {                                                                                           \
        if (!(condition))                                                                          \
            fuzzFailure(#condition, __FILE__, __LINE__, (detail));                                 \
    } while (false)

[[noreturn]] inline void fuzzFailure(const char *condition, const char *file, int line,
                                     const QString &detail) {
    std::fprintf(stderr, "%s:%d: property does not hold: %s\n%s\n", file, line, condition,
                 qUtf8Printable(detail));
    std::abort();
}

inline QByteArray fuzzBytes(const uint8_t *data, size_t size) {
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(size));
}

// Inputs made of several parts separated by lines "%%" (so that seeds stay readable):
// exactly `count` parts, missing ones empty, extra separators kept in the last part.
inline QList<QByteArray> fuzzSections(const QByteArray &input, int count) {
    QList<QByteArray> parts;
    qsizetype start = 0;
    while (parts.size() < count - 1) {
        const qsizetype separator = input.indexOf(QByteArrayLiteral("\n%%\n"), start);
        if (separator < 0)
            break;
        parts.append(input.mid(start, separator - start));
        start = separator + 4;
    }
    parts.append(input.mid(start));
    while (parts.size() < count)
        parts.append(QByteArray());
    return parts;
}

// Qt's warnings (e.g. an invalid regular expression in a schema) would flood the fuzzer's output.
inline void fuzzQuietQt() {
    qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
}
