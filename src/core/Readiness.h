#pragma once

#include <QDateTime>
#include <QObject>
#include <QStringList>
#include <optional>

// Whether this process can serve a turn, and if not why: one problem per part, set by the
// composition root as it learns them. /readyz and the console both read it.
class Readiness : public QObject {
    Q_OBJECT

public:
    enum class Part { Server, Database, Llm };

    // The last check of a part that is probed (the LLM endpoint).
    struct Check {
        bool passed = false;
        QDateTime at;
    };

    using QObject::QObject;

    // An empty problem marks the part usable. It is not the result of a check: lastCheck() is
    // then empty.
    void setProblem(Part part, const QString &problem);
    // What a check of the part found at `at` (empty problem: it passed); reasons() then tell
    // how long ago.
    void setChecked(Part part, const QString &problem,
                    const QDateTime &at = QDateTime::currentDateTimeUtc());
    QString problem(Part part) const;
    std::optional<Check> lastCheck(Part part) const;
    // "server: …", "database: …", "llm: …", in that order; empty when ready. A checked part's
    // problem ends with ", checked N s ago".
    QStringList reasons(const QDateTime &now = QDateTime::currentDateTimeUtc()) const;
    bool isReady() const;

    // Whole seconds from `at` to `now`, never negative.
    static qint64 secondsAgo(const QDateTime &at, const QDateTime &now);

Q_SIGNALS:
    // A problem changed, or a part was checked for the first time or with another verdict.
    void changed();

private:
    QString m_problems[3];
    std::optional<Check> m_checks[3];
};
