// The web client is compiled into realtime_core: every file the page loads must be in the
// resources, and the vendored libraries must be the versions pinned in package-lock.json.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

QByteArray readFile(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

QString sourceWebDir() {
    return qEnvironmentVariable("RTAI_SOURCE_DIR") + u"/resources/web"_s;
}

} // namespace

class TestWebResources : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void pageAndAssetsArePresent_data() {
        QTest::addColumn<QString>("path");
        for (const char *path :
             {":/web/index.html", ":/web/assets/app.js", ":/web/assets/app.css",
              ":/web/assets/markdown.js", ":/web/assets/vendor/marked/marked.esm.js",
              ":/web/assets/vendor/marked/LICENSE", ":/web/assets/vendor/dompurify/purify.es.js",
              ":/web/assets/vendor/dompurify/LICENSE", ":/web/assets/highlight.js",
              ":/web/assets/vendor/highlight/core.js", ":/web/assets/vendor/highlight/LICENSE",
              ":/web/assets/vendor/highlight/languages/python.js"})
            QTest::newRow(path) << QString::fromLatin1(path);
    }
    void pageAndAssetsArePresent() {
        QFETCH(QString, path);
        QVERIFY2(QFile::exists(path), qPrintable(path));
        QVERIFY2(!readFile(path).isEmpty(), qPrintable(path));
    }

    void indexLoadsOnlyLocalAssets() {
        const QString html = QString::fromUtf8(readFile(u":/web/index.html"_s));
        QVERIFY(html.contains(u"src=\"/assets/app.js\""_s));
        QVERIFY(html.contains(u"href=\"/assets/app.css\""_s));
        // No CDN: nothing is loaded from another origin.
        static const QRegularExpression remote(u"(src|href)=\"(https?:)?//"_s);
        QVERIFY2(!remote.match(html).hasMatch(), qPrintable(remote.match(html).captured()));
        for (const QString &url : {u"/assets/app.js"_s, u"/assets/app.css"_s})
            QVERIFY2(QFile::exists(u":/web"_s + url), qPrintable(url));
    }

    void everyModuleImportResolves() {
        static const QRegularExpression importRe(u"(?:import|from)\\s*['\"](\\.[^'\"]+)['\"]"_s);
        QStringList pending{u":/web/assets/app.js"_s};
        QSet<QString> seen;
        while (!pending.isEmpty()) {
            const QString file = pending.takeFirst();
            if (seen.contains(file))
                continue;
            seen.insert(file);
            const QString text = QString::fromUtf8(readFile(file));
            QVERIFY2(!text.isEmpty(), qPrintable(file));
            const QDir dir = QFileInfo(file).dir();
            auto it = importRe.globalMatch(text);
            while (it.hasNext()) {
                const QString target = QDir::cleanPath(dir.filePath(it.next().captured(1)));
                QVERIFY2(QFile::exists(target), qPrintable(file + u" imports missing "_s + target));
                pending << target;
            }
        }
        QVERIFY(seen.contains(u":/web/assets/vendor/marked/marked.esm.js"_s));
        QVERIFY(seen.contains(u":/web/assets/vendor/dompurify/purify.es.js"_s));
        QVERIFY(seen.contains(u":/web/assets/vendor/highlight/core.js"_s));
        QVERIFY(seen.contains(u":/web/assets/vendor/highlight/languages/javascript.js"_s));
    }

    void everyCommittedAssetIsCompiledIn() {
        const QString root = sourceWebDir();
        QVERIFY2(QFile::exists(root + u"/index.html"_s), qPrintable(root));
        QDirIterator it(root + u"/assets"_s, QDir::Files, QDirIterator::Subdirectories);
        int count = 0;
        while (it.hasNext()) {
            const QString path = it.next();
            if (path.endsWith(u"/VERSION"_s))
                continue;
            const QString resource = u":/web/"_s + QDir(root).relativeFilePath(path);
            QVERIFY2(QFile::exists(resource),
                     qPrintable(resource + u" is missing from web.cmake"_s));
            QCOMPARE(readFile(resource), readFile(path));
            ++count;
        }
        QVERIFY(count >= 8);
    }

    void vendoredVersionsMatchTheLockFile() {
        const QJsonObject packages =
            QJsonDocument::fromJson(readFile(sourceWebDir() + u"/package-lock.json"_s))
                .object()
                .value(u"packages"_s)
                .toObject();
        const QString marked =
            packages.value(u"node_modules/marked"_s).toObject().value(u"version"_s).toString();
        const QString purify =
            packages.value(u"node_modules/dompurify"_s).toObject().value(u"version"_s).toString();
        const QString highlight = packages.value(u"node_modules/@highlightjs/cdn-assets"_s)
                                      .toObject()
                                      .value(u"version"_s)
                                      .toString();
        QVERIFY(!marked.isEmpty());
        QVERIFY(!purify.isEmpty());
        QVERIFY(!highlight.isEmpty());
        QVERIFY2(readFile(u":/web/assets/vendor/highlight/core.js"_s)
                     .left(200)
                     .contains((u"Highlight.js v"_s + highlight).toUtf8()),
                 qPrintable(highlight));
        QVERIFY2(readFile(u":/web/assets/vendor/highlight/languages/python.js"_s)
                     .left(200)
                     .contains((u"Highlight.js "_s + highlight).toUtf8()),
                 qPrintable(highlight));
        QVERIFY2(readFile(u":/web/assets/vendor/marked/marked.esm.js"_s)
                     .left(200)
                     .contains((u"marked v"_s + marked).toUtf8()),
                 qPrintable(marked));
        QVERIFY2(readFile(u":/web/assets/vendor/dompurify/purify.es.js"_s)
                     .left(200)
                     .contains((u"DOMPurify "_s + purify).toUtf8()),
                 qPrintable(purify));
    }
};

QTEST_GUILESS_MAIN(TestWebResources)
#include "tst_webresources.moc"
