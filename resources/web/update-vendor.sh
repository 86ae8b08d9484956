#!/usr/bin/env bash
# Refreshes assets/vendor/ from the pinned npm packages (package.json + package-lock.json).
# Run it after changing a version; the build itself never needs the network, it only compiles
# the committed files into the Qt resources (resources/web.cmake).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --omit=optional
vendor=assets/vendor
rm -rf "$vendor"
mkdir -p "$vendor/marked" "$vendor/dompurify" "$vendor/highlight/languages"
# Source map comments are dropped: the maps are not shipped.
sed '/^\/\/# sourceMappingURL=/d' node_modules/marked/lib/marked.esm.js >"$vendor/marked/marked.esm.js"
cp node_modules/marked/LICENSE "$vendor/marked/LICENSE"
sed '/^\/\/# sourceMappingURL=/d' node_modules/dompurify/dist/purify.es.mjs >"$vendor/dompurify/purify.es.js"
cp node_modules/dompurify/LICENSE "$vendor/dompurify/LICENSE"
cp node_modules/dompurify/LICENSE-MPL "$vendor/dompurify/LICENSE-MPL"
# highlight.js: the ES module core and a handful of common languages (markdown.js registers them;
# keep the list here, there and in resources/web.cmake the same).
hljs=node_modules/@highlightjs/cdn-assets
cp "$hljs/es/core.min.js" "$vendor/highlight/core.js"
for lang in bash c cpp css diff go java javascript json markdown plaintext python rust shell sql \
    typescript xml yaml; do
    cp "$hljs/es/languages/$lang.min.js" "$vendor/highlight/languages/$lang.js"
done
cp "$hljs/LICENSE" "$vendor/highlight/LICENSE"
for pkg in marked dompurify; do
    node -p "require('./node_modules/$pkg/package.json').version" >"$vendor/$pkg/VERSION"
done
node -p "require('./$hljs/package.json').version" >"$vendor/highlight/VERSION"
echo "vendored: marked $(cat "$vendor/marked/VERSION"), dompurify $(cat "$vendor/dompurify/VERSION")," \
    "highlight.js $(cat "$vendor/highlight/VERSION")"
