#!/usr/bin/env bash
# Prepares the Node.js 24 run while the rest of CI runs on the machine's Node.js: fetches Node 24 and
# the 24.18.1 headers as the npm registry's `node` package (CI has no other download) and compiles
# better-sqlite3 for them in a copy of the module, so the suite's own node_modules stay usable on the
# machine's Node.js meanwhile. Why 24.18.1 headers: better-sqlite3 12 compiled against 24.19+ headers
# aborts when the garbage collector finalises a statement (nodejs/node#65446: node::ObjectWrap's
# cleanup hook asserts an entered Environment); the prebuilt binaries `npm install` fetches for users
# were compiled against earlier 24.x headers and do not abort. Writes $OUT/env (RUNTIME, HEADERS) and
# $OUT/better-sqlite3/build; scripts/ci/node24-test.sh uses them.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="$(mkdir -p "${1:?usage: node24-prepare.sh OUT_DIR}" && cd "$1" && pwd)"
RUNTIME_VERSION="${NODE24_VERSION:-24}"
HEADERS_VERSION="${NODE24_HEADERS_VERSION:-24.18.1}"

# The folder of an npm `node` package's platform binary (bin/node, include/node/...), installed in a
# folder of its own: the `node` package's install script adds node-<platform>-<arch>, which holds the
# binary and the headers (npx's shared cache is not used: a later npx run prunes that package there).
node_root() {
  local prefix="$OUT/node@$1" root
  npm install --prefix "$prefix" --no-audit --no-fund --no-save "node@$1" >/dev/null 2>&1
  for root in "$prefix"/node_modules/node/node_modules/node-*-* "$prefix"/node_modules/node-*-*; do
    [ -d "$root/include/node" ] && [ -x "$root/bin/node" ] && { echo "$root"; return; }
  done
  echo "node@$1: no binary with headers under $prefix" >&2
  return 1
}
RUNTIME="$(node_root "$RUNTIME_VERSION")"
HEADERS="$(node_root "$HEADERS_VERSION")"
printf 'RUNTIME=%q\nHEADERS=%q\n' "$RUNTIME" "$HEADERS" >"$OUT/env"

rm -rf "$OUT/better-sqlite3" && cp -r node_modules/better-sqlite3 "$OUT/better-sqlite3" && rm -rf "$OUT/better-sqlite3/build"
NODE_GYP="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
(cd "$OUT/better-sqlite3" && PATH="$RUNTIME/bin:$PATH" node "$NODE_GYP" rebuild --release --nodedir="$HEADERS" >"$OUT/build.log" 2>&1) \
  || { tail -30 "$OUT/build.log" >&2; exit 1; }
echo "node24-prepare: better-sqlite3 compiled for $("$RUNTIME/bin/node" -v) against $("$HEADERS/bin/node" -v) headers"
