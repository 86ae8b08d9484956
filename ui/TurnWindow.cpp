#include "ui/TurnWindow.h"

#include <algorithm>
#include <cmath>

void TurnWindow::add(qint64 atMs, qint64 ttftMs, bool failed) {
    m_turns.append({atMs, ttftMs, failed});
}

void TurnWindow::prune(qint64 nowMs) {
    const qint64 cutoff = nowMs - m_spanMs;
    qsizetype old = 0;
    while (old < m_turns.size() && m_turns.at(old).atMs <= cutoff)
        ++old;
    m_turns.remove(0, old);
}

int TurnWindow::failures() const {
    return int(std::count_if(m_turns.cbegin(), m_turns.cend(),
                             [](const Turn &turn) { return turn.failed; }));
}

std::optional<qint64> TurnWindow::ttftQuantile(double q) const {
    QList<qint64> ttfts;
    for (const Turn &turn : m_turns) {
        if (turn.ttftMs >= 0)
            ttfts << turn.ttftMs;
    }
    if (ttfts.isEmpty())
        return std::nullopt;
    std::sort(ttfts.begin(), ttfts.end());
    const auto rank = qsizetype(std::ceil(std::clamp(q, 0.0, 1.0) * double(ttfts.size())));
    return ttfts.at(std::clamp<qsizetype>(rank - 1, 0, ttfts.size() - 1));
}
