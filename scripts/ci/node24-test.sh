#!/usr/bin/env bash
# Runs `npm test` on Node.js 24, fetched as the npm registry's `node` package (CI has no other
# download). better-sqlite3 has no prebuilt binary reachable from here, so it is compiled from source;
# the headers come from Node 24.18.1 because better-sqlite3 12 compiled against 24.19+ headers aborts
# when the garbage collector finalises a statement (nodejs/node#65446: node::ObjectWrap's cleanup hook
# asserts an entered Environment). The prebuilt binaries `npm install` fetches for users were compiled
# against earlier 24.x headers and do not abort. Then the npm package is installed from its tarball and
# served, on the same Node 24 (scripts/ci/pack-test.sh). Leaves node_modules built for Node 24.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNTIME_VERSION="${NODE24_VERSION:-24}"
HEADERS_VERSION="${NODE24_HEADERS_VERSION:-24.18.1}"

# The root of an npm `node` package's platform binary (bin/node, include/node/...).
node_root() {
  npx --yes -p "node@$1" node -p 'require("node:path").resolve(process.execPath, "../..")'
}
RUNTIME="$(node_root "$RUNTIME_VERSION")"
HEADERS="$(node_root "$HEADERS_VERSION")"
echo "runtime: $("$RUNTIME/bin/node" -v) ($RUNTIME); better-sqlite3 compiled against $("$HEADERS/bin/node" -v) headers"

export PATH="$RUNTIME/bin:$PATH"
npm rebuild better-sqlite3 --nodedir="$HEADERS"
node -e 'const D = require("better-sqlite3"); new D(":memory:").prepare("SELECT 1").get(); console.log("better-sqlite3 loads on", process.version)'
npm test

# The packed tarball in an empty folder, on the same Node 24.
bash scripts/ci/pack-test.sh
