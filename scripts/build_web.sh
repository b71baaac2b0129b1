#!/usr/bin/env bash
# Build the web app (web/: TypeScript, Vite, Preact, uPlot) into server/runbase_server/web/static, where
# `runbase server` serves it and the wheel picks it up. It builds only when the sources changed: a hash of
# web/'s sources, its lockfile and schema.graphql is kept next to the output. The build type-checks the page
# (tsc --noEmit) before bundling. Building needs Node.js (20.19 or later) and npm; an installed wheel does not.
set -euo pipefail
cd "$(dirname "$0")/.."
out=server/runbase_server/web/static
stamp="$out/.source-hash"

sources_hash() {
    { find web -path web/node_modules -prune -o -type f -print0; printf '%s\0' schema.graphql; } \
        | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}

hash="$(sources_hash)"
if [ -f "$out/index.html" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
    echo "web app up to date ($out)"
    exit 0
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "build_web.sh: ERROR: Node.js and npm are needed to build the web app (web/) and were not found." >&2
    echo "Install Node.js 20.19+ with npm (e.g. apt-get install nodejs npm, or https://nodejs.org), then run" >&2
    echo "scripts/build_web.sh again." >&2
    exit 1
fi
version_ok='const [a, b] = process.versions.node.split(".").map(Number); process.exit(a * 100 + b >= 2019 ? 0 : 1)'
if ! node -e "$version_ok"; then
    echo "build_web.sh: ERROR: Node.js $(node --version) is too old to build the web app; it needs 20.19 or later." >&2
    exit 1
fi
echo "building the web app into $out"
npm ci --prefix web --no-audit --no-fund --loglevel=error
npm run --prefix web build
echo "$hash" > "$stamp"
