#!/usr/bin/env bash
# Runs the browser tests (registered in CTest by CMakeLists.txt, which sets the RTAI_* variables).
# playwright-core is installed from the pinned package-lock.json into the build tree once, and
# again only when the lock file changes; the browser is Debian's chromium.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
node_dir="${RTAI_BROWSER_NODE_DIR:?set by CTest}"

command -v node >/dev/null || { echo "node is missing: scripts/test installs it" >&2; exit 1; }
[ -x "${RTAI_CHROMIUM:-/usr/bin/chromium}" ] || { echo "chromium is missing: scripts/test installs it" >&2; exit 1; }

mkdir -p "$node_dir"
if ! cmp -s "$here/package-lock.json" "$node_dir/package-lock.json" \
    || [ ! -f "$node_dir/node_modules/playwright-core/package.json" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$node_dir/"
    (cd "$node_dir" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
fi

exec node --test --test-concurrency=1 --test-reporter=spec "$here"/*.test.mjs
