#include "core/Readiness.h"

#include <QSignalSpy>
#include <QTest>
#include <QTimeZone>

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

    void aCheckedProblemSaysHowOldItIs() {
        Readiness readiness;
        const QDateTime at = QDateTime::fromSecsSinceEpoch(1000000, QTimeZone::utc());
        QVERIFY(!readiness.lastCheck(Readiness::Part::Llm));
        readiness.setChecked(Readiness::Part::Llm, u"not reachable"_s, at);
        QVERIFY(!readiness.isReady());
        QCOMPARE(readiness.reasons(at.addSecs(12)),
                 QStringList{u"llm: not reachable, checked 12 s ago"_s});
        QCOMPARE(readiness.reasons(at.addMSecs(-500)),
                 QStringList{u"llm: not reachable, checked 0 s ago"_s});
        const std::optional<Readiness::Check> check = readiness.lastCheck(Readiness::Part::Llm);
        QVERIFY(check);
        QVERIFY(!check->passed);
        QCOMPARE(check->at, at);

        readiness.setChecked(Readiness::Part::Llm, {}, at.addSecs(30));
        QVERIFY(readiness.isReady());
        QVERIFY(readiness.lastCheck(Readiness::Part::Llm)->passed);
        QCOMPARE(readiness.lastCheck(Readiness::Part::Llm)->at, at.addSecs(30));

        // A problem that is not a check's result forgets the check.
        readiness.setProblem(Readiness::Part::Llm, u"not configured"_s);
        QVERIFY(!readiness.lastCheck(Readiness::Part::Llm));
        QCOMPARE(readiness.reasons(at.addSecs(99)), QStringList{u"llm: not configured"_s});
    }

    void changedWhenACheckChangesItsVerdict() {
        Readiness readiness;
        QSignalSpy changed(&readiness, &Readiness::changed);
        const QDateTime at = QDateTime::currentDateTimeUtc();
        readiness.setChecked(Readiness::Part::Llm, {}, at); // first check
        QCOMPARE(changed.size(), 1);
        readiness.setChecked(Readiness::Part::Llm, {}, at.addSecs(30)); // same verdict
        QCOMPARE(changed.size(), 1);
        readiness.setChecked(Readiness::Part::Llm, u"not reachable"_s, at.addSecs(60));
        QCOMPARE(changed.size(), 2);
        readiness.setChecked(Readiness::Part::Llm, u"key refused"_s, at.addSecs(90));
        QCOMPARE(changed.size(), 3);
    }
};

QTEST_GUILESS_MAIN(TestReadiness)
#include "tst_readiness.moc"
