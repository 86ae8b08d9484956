#include "core/Readiness.h"

using namespace Qt::StringLiterals;

void Readiness::setProblem(Part part, const QString &problem) {
    QString &current = m_problems[int(part)];
    std::optional<Check> &check = m_checks[int(part)];
    if (current == problem && !check)
        return;
    current = problem;
    check.reset();
    Q_EMIT changed();
}

void Readiness::setChecked(Part part, const QString &problem, const QDateTime &at) {
    QString &current = m_problems[int(part)];
    std::optional<Check> &check = m_checks[int(part)];
    const bool passed = problem.isEmpty();
    const bool same = check && check->passed == passed && current == problem;
    current = problem;
    check = Check{passed, at};
    if (!same)
        Q_EMIT changed();
}

QString Readiness::problem(Part part) const {
    return m_problems[int(part)];
}

std::optional<Readiness::Check> Readiness::lastCheck(Part part) const {
    return m_checks[int(part)];
}

QStringList Readiness::reasons(const QDateTime &now) const {
    static const QString names[] = {u"server"_s, u"database"_s, u"llm"_s};
    QStringList reasons;
    for (int part = 0; part < 3; ++part) {
        if (m_problems[part].isEmpty())
            continue;
        QString reason = names[part] + u": "_s + m_problems[part];
        if (const std::optional<Check> &check = m_checks[part])
            reason += u", checked %1 s ago"_s.arg(secondsAgo(check->at, now));
        reasons << reason;
    }
    return reasons;
}

bool Readiness::isReady() const {
    for (const QString &problem : m_problems) {
        if (!problem.isEmpty())
            return false;
    }
    return true;
}

qint64 Readiness::secondsAgo(const QDateTime &at, const QDateTime &now) {
    return qMax<qint64>(0, at.secsTo(now));
}
