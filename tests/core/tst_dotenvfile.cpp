#include "core/DotEnvFile.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TestDotEnvFile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesTheFormsPeopleWrite() {
        const DotEnvFile file =
            DotEnvFile::parse(u"# comment\n"
                              "\n"
                              "OPENAI_API_KEY=sk-plain\n"
                              "export LLM_MODEL = gpt-4o-mini\n"
                              "DATABASE_URL=\"postgresql://u:p%40ss@h:5432/db?sslmode=require\"\n"
                              "SINGLE='a # not a comment'\n"
                              "ESCAPED=\"line\\nnext \\\"q\\\"\"\n"
                              "TRAILING=value # comment\n"
                              "EMPTY=\n"_s);
        QVERIFY2(file.errors().isEmpty(), qPrintable(file.errors().join(u'\n')));
        const auto values = file.values();
        QCOMPARE(values.value(u"OPENAI_API_KEY"_s), u"sk-plain"_s);
        QCOMPARE(values.value(u"LLM_MODEL"_s), u"gpt-4o-mini"_s);
        QCOMPARE(values.value(u"DATABASE_URL"_s),
                 u"postgresql://u:p%40ss@h:5432/db?sslmode=require"_s);
        QCOMPARE(values.value(u"SINGLE"_s), u"a # not a comment"_s);
        QCOMPARE(values.value(u"ESCAPED"_s), u"line\nnext \"q\""_s);
        QCOMPARE(values.value(u"TRAILING"_s), u"value"_s);
        QVERIFY(values.contains(u"EMPTY"_s));
        QCOMPARE(values.value(u"EMPTY"_s), QString());
    }

    void reportsLinesItCannotRead() {
        const DotEnvFile file =
            DotEnvFile::parse(u"GOOD=1\nthis is not an assignment\nBAD=\"open\n"_s);
        QCOMPARE(file.values().value(u"GOOD"_s), u"1"_s);
        QCOMPARE(file.errors().size(), 2);
        QVERIFY(file.errors().at(0).startsWith(u"line 2"));
        QVERIFY(file.errors().at(1).startsWith(u"line 3"));
    }

    void missingFileIsEmpty() {
        const DotEnvFile file = DotEnvFile::read(u"/nonexistent/.env"_s);
        QVERIFY(file.values().isEmpty());
        QVERIFY(file.errors().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestDotEnvFile)
#include "tst_dotenvfile.moc"
