#include "core/Readiness.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

class TestReadiness : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readyUntilAPartHasAProblem() {
        Readiness readiness;
        QVERIFY(readiness.isReady());
        QVERIFY(readiness.reasons().isEmpty());
        readiness.setProblem(Readiness::Part::Llm, u"not configured"_s);
        QVERIFY(!readiness.isReady());
        QCOMPARE(readiness.reasons(), QStringList{u"llm: not configured"_s});
        readiness.setProblem(Readiness::Part::Llm, {});
        QVERIFY(readiness.isReady());
    }

    void reasonsComeServerDatabaseLlmWhateverTheOrderSet() {
        Readiness readiness;
        readiness.setProblem(Readiness::Part::Llm, u"c"_s);
        readiness.setProblem(Readiness::Part::Database, u"b"_s);
        readiness.setProblem(Readiness::Part::Server, u"a"_s);
        QCOMPARE(readiness.reasons(), (QStringList{u"server: a"_s, u"database: b"_s, u"llm: c"_s}));
        QCOMPARE(readiness.problem(Readiness::Part::Database), u"b"_s);
    }

    void changedOnlyWhenAProblemChanges() {
        Readiness readiness;
        QSignalSpy changed(&readiness, &Readiness::changed);
        readiness.setProblem(Readiness::Part::Server, u"starting"_s);
        readiness.setProblem(Readiness::Part::Server, u"starting"_s);
        QCOMPARE(changed.size(), 1);
        readiness.setProblem(Readiness::Part::Server, {});
        QCOMPARE(changed.size(), 2);
    }
};

QTEST_GUILESS_MAIN(TestReadiness)
#include "tst_readiness.moc"
