// DotEnvFile::parse. Input: a .env file (read as DotEnvFile::read does: UTF-8). Properties: no
// crash; every key is a valid name; every line is a value, an error, blank or a comment; the
// values written back as KEY="…" (with \\, \" and \n escaped) parse to the same values.
#include "FuzzSupport.h"
#include "core/DotEnvFile.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace {

QString quoted(const QString &value) {
    QString text = value;
    text.replace(u'\\', u"\\\\"_s).replace(u'"', u"\\\""_s).replace(u'\n', u"\\n"_s);
    return u'"' + text + u'"';
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QString text = QString::fromUtf8(fuzzBytes(data, size));
    const DotEnvFile file = DotEnvFile::parse(text);
    const qsizetype lines = text.count(u'\n') + 1;
    FUZZ_CHECK(file.values().size() + file.errors().size() <= lines,
               u"at most one value or error per line"_s);

    static const QRegularExpression name(u"^[A-Za-z_][A-Za-z0-9_.]*$"_s);
    QString written;
    const QHash<QString, QString> values = file.values();
    for (auto it = values.begin(); it != values.end(); ++it) {
        FUZZ_CHECK(name.match(it.key()).hasMatch(), u"not a variable name: "_s + it.key());
        written += it.key() + u'=' + quoted(it.value()) + u'\n';
    }
    const DotEnvFile again = DotEnvFile::parse(written);
    FUZZ_CHECK(again.errors().isEmpty() && again.values() == values,
               u"written back as\n%1\nit parses with errors %2 to %3 values"_s.arg(
                   written, again.errors().join(u"; "_s), QString::number(again.values().size())));
    return 0;
}
