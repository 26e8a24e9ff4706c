#!/usr/bin/env bash
# Runs `npm test` on Node.js 24 with what scripts/ci/node24-prepare.sh prepared in OUT_DIR (Node 24 from
# the npm registry, better-sqlite3 compiled for it), then installs the npm package from its tarball in
# an empty folder and serves from it on the same Node 24 (scripts/ci/pack-test.sh). Leaves
# node_modules built for Node 24.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:?usage: node24-test.sh OUT_DIR}"
# shellcheck disable=SC1091
source "$OUT/env"
rm -rf node_modules/better-sqlite3/build && cp -r "$OUT/better-sqlite3/build" node_modules/better-sqlite3/build
export PATH="$RUNTIME/bin:$PATH"
node -e 'const D = require("better-sqlite3"); new D(":memory:").prepare("SELECT 1").get(); console.log("better-sqlite3 loads on", process.version)'
npm test

# The packed tarball in an empty folder, on the same Node 24.
bash scripts/ci/pack-test.sh
