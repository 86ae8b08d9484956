#include "core/Readiness.h"

using namespace Qt::StringLiterals;

void Readiness::setProblem(Part part, const QString &problem) {
    QString &current = m_problems[int(part)];
    if (current == problem)
        return;
    current = problem;
    Q_EMIT changed();
}

QString Readiness::problem(Part part) const {
    return m_problems[int(part)];
}

QStringList Readiness::reasons() const {
    static const QString names[] = {u"server"_s, u"database"_s, u"llm"_s};
    QStringList reasons;
    for (int part = 0; part < 3; ++part) {
        if (!m_problems[part].isEmpty())
            reasons << names[part] + u": "_s + m_problems[part];
    }
    return reasons;
}
