#include "core/ConfigTable.h"
#include "fixtures/TestEnvironment.h"

#include <QFile>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// README's configuration table, one list of four cells per row, header and rule left out.
QList<QStringList> readmeConfigurationRows() {
    QFile readme(TestEnvironment::sourceDir() + u"/README.md"_s);
    if (!readme.open(QIODevice::ReadOnly))
        return {};
    const QString text = QString::fromUtf8(readme.readAll());
    const qsizetype start = text.indexOf(u"\n## Configuration\n"_s);
    const qsizetype end = text.indexOf(u"\n## "_s, start + 1);
    QList<QStringList> rows;
    const QStringList lines = text.mid(start, end - start).split(u'\n');
    for (const QString &line : lines) {
        if (!line.startsWith(u'|') || line.startsWith(u"|---"_s))
            continue;
        QStringList cells = line.mid(1, line.size() - 2).split(u'|');
        for (QString &cell : cells)
            cell = cell.trimmed();
        if (cells.value(0) == u"command line")
            continue;
        rows << cells;
    }
    return rows;
}

QString optionCell(const ConfigSetting &setting) {
    if (setting.option.isEmpty())
        return {};
    return setting.isFlag() ? u"`--%1`"_s.arg(setting.option)
                            : u"`--%1 %2`"_s.arg(setting.option, setting.valueName);
}

QString environmentCell(const ConfigSetting &setting) {
    QStringList names;
    for (const QString &name : setting.environment)
        names << u'`' + name + u'`';
    return names.join(u", "_s);
}

QString keyCell(const ConfigSetting &setting) {
    return setting.key.isEmpty() ? QString() : u'`' + setting.key + u'`';
}

} // namespace

class TestConfigTable : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readmeHasOneRowPerSettingInTheSameOrder() {
        const QList<QStringList> rows = readmeConfigurationRows();
        const QList<ConfigSetting> &settings = ConfigTable::settings();
        QCOMPARE(rows.size(), settings.size());
        for (qsizetype i = 0; i < settings.size(); ++i) {
            const ConfigSetting &setting = settings.at(i);
            const QStringList &row = rows.at(i);
            QCOMPARE(row.size(), 4);
            QCOMPARE(row.at(0), optionCell(setting));
            QCOMPARE(row.at(1), environmentCell(setting));
            QCOMPARE(row.at(2), keyCell(setting));
            QVERIFY2(!row.at(3).isEmpty(), qPrintable(row.join(u" | ")));
        }
    }

    // Short defaults are quoted in README as they are; long ones (the system prompt) and ones
    // that depend on the machine (the data directory) are described instead.
    void readmeStatesTheDefaults() {
        const QList<QStringList> rows = readmeConfigurationRows();
        const QList<ConfigSetting> &settings = ConfigTable::settings();
        QCOMPARE(rows.size(), settings.size());
        const Config defaults;
        for (qsizetype i = 0; i < settings.size(); ++i) {
            const QString value = settings.at(i).current(defaults);
            if (value.isEmpty() || value.size() > 40 || settings.at(i).isFlag())
                continue;
            QVERIFY2(rows.at(i).at(3).startsWith(u'`' + value + u'`'),
                     qPrintable(u"%1: README says %2"_s.arg(value, rows.at(i).at(3))));
        }
    }

    void everySettingHasOneSourceAtLeastAndUniqueNames() {
        QSet<QString> seen;
        for (const ConfigSetting &setting : ConfigTable::settings()) {
            QVERIFY(!setting.option.isEmpty() || !setting.environment.isEmpty());
            QVERIFY(setting.option.isEmpty() || !setting.help.isEmpty());
            for (const QString &name :
                 QStringList{setting.option, setting.key} + setting.environment) {
                if (name.isEmpty())
                    continue;
                QVERIFY2(!seen.contains(name), qPrintable(name));
                seen.insert(name);
            }
        }
    }

    void eachSettingReadsBackWhatItStores() {
        for (const ConfigSetting &setting : ConfigTable::settings()) {
            Config config;
            const QString value = setting.current(config);
            QVERIFY2(setting.apply(value, config).isEmpty(), qPrintable(setting.key));
            QCOMPARE(setting.current(config), value);
        }
    }
};

QTEST_GUILESS_MAIN(TestConfigTable)
#include "tst_configtable.moc"
