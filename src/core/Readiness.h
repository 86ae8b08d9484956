#pragma once

#include <QObject>
#include <QStringList>

// Whether this process can serve a turn, and if not why: one problem per part, set by the
// composition root as it learns them. /readyz and the console both read it.
class Readiness : public QObject {
    Q_OBJECT

public:
    enum class Part { Server, Database, Llm };

    using QObject::QObject;

    // An empty problem marks the part usable.
    void setProblem(Part part, const QString &problem);
    QString problem(Part part) const;
    // "server: …", "database: …", "llm: …", in that order; empty when ready.
    QStringList reasons() const;
    bool isReady() const { return reasons().isEmpty(); }

Q_SIGNALS:
    void changed();

private:
    QString m_problems[3];
};
