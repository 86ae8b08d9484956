#pragma once

#include <QList>
#include <optional>

// The turns that finished during the last minute (or `spanMs`): how many, how many failed, and
// quantiles of their times to first token.
class TurnWindow {
public:
    explicit TurnWindow(qint64 spanMs = 60'000)
        : m_spanMs(spanMs) {}

    void add(qint64 atMs, qint64 ttftMs, bool failed); // ttftMs < 0: no first token
    void prune(qint64 nowMs);                          // forgets turns older than the span
    int count() const { return int(m_turns.size()); }
    int failures() const;
    // Nearest-rank quantile (0 < q <= 1) over the turns that had a first token.
    std::optional<qint64> ttftQuantile(double q) const;
    void clear() { m_turns.clear(); }

private:
    struct Turn {
        qint64 atMs;
        qint64 ttftMs;
        bool failed;
    };
    qint64 m_spanMs;
    QList<Turn> m_turns; // oldest first
};
