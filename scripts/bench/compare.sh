#!/usr/bin/env bash
# The shared harness (raw floor, better-auth peer and this gateway through the harness's own adapter,
# which starts it with `npm start` and seeds it over GraphQL), then the gateway's other operations
# through our own runner, back to back with the same concurrency and duration; every result line goes
# to bench/results/<date>-<commit>.jsonl and bench/chart.svg is redrawn from the harness's three.
#
#   bash scripts/bench/compare.sh                      # CONCURRENCY=32 DURATION=10, SQLite, RS256
#   JWT=ES256 bash scripts/bench/compare.sh             # floor and gateway sign ES256
#   PG=postgres://postgres@127.0.0.1:5432 bash scripts/bench/compare.sh   # floor and gateway on PostgreSQL
#   SHARED_BENCH=/path/to/shared/bench CONCURRENCY=32 DURATION=10 GW_USERS=40000 bash scripts/bench/compare.sh
#   OURS=0 bash scripts/bench/compare.sh               # the shared harness only (no run.mjs step)
#
# The shared harness comes from $SHARED_BENCH (default ../shared/bench next to the repository). When
# it has no node_modules (shared/ is read-only), it is copied to a temp dir and installed there.
# The build is refreshed first (the harness runs `npm start`, which runs dist/). Our runner
# (scripts/bench/run.mjs) adds what the harness does not measure: no session, createTotp, memory.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED_BENCH:-$REPO/../shared/bench}
C=${CONCURRENCY:-32}
D=${DURATION:-10}
GW_USERS=${GW_USERS:-40000}
JWT=${JWT:-RS256}
OURS=${OURS:-1}
DB=$([ -n "${PG:-}" ] && echo postgres || echo sqlite)

[ -f "$SHARED/compare.sh" ] || { echo "compare.sh: no shared harness at $SHARED (set SHARED_BENCH)" >&2; exit 2; }
SHARED=$(cd "$SHARED" && pwd)
work=""
cleanup() { if [ -n "$work" ]; then rm -rf "$work"; fi; }
trap cleanup EXIT
if [ ! -d "$SHARED/node_modules" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/shared-bench-XXXXXX")
  cp -R "$SHARED/." "$work/"
  chmod -R u+w "$work"
  echo "compare.sh: installing the shared harness in $work ..." >&2
  (cd "$work" && npm install --no-audit --no-fund >&2)
  SHARED=$work
fi

commit=$(git -C "$REPO" rev-parse --short HEAD)
day=$(date -u +%Y-%m-%d)
mkdir -p "$REPO/bench/results"
out="$REPO/bench/results/$day-$commit-$DB-$JWT.jsonl"

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load1=$(node -p 'require("node:os").loadavg()[0].toFixed(2)')
# 1. raw floor, better-auth peer and the gateway, by the harness's own script.
(cd "$REPO" && npm run --silent build >&2)
echo "compare.sh: shared harness (raw, better-auth, gateway with $GW_USERS users), concurrency $C, $D s ..." >&2
shared_out=$(cd "$SHARED" && GATEWAY_DIR="$REPO" GW_USERS="$GW_USERS" CONCURRENCY="$C" DURATION="$D" JWT="$JWT" bash ./compare.sh)
echo "$shared_out" >&2
# 2. the gateway's operations, seeded directly and started like production (scripts/bench/run.mjs).
gw_out=""
if [ "$OURS" != 0 ]; then
  echo "compare.sh: gateway ($GW_USERS users, $JWT, $DB), concurrency $C, $D s ..." >&2
  db_args=()
  [ -n "${PG:-}" ] && db_args=(--database postgres)
  gw_out=$(cd "$REPO" && DATABASE_URL_POSTGRES="${PG:+$PG/postgres}" npm run --silent bench -- --json --users "$GW_USERS" --duration "$D" --concurrency "$C" --jwt "$JWT" "${db_args[@]}")
fi

# Every line gets the date, the commit and the machine; the harness's lines get op and source too.
printf '%s\n%s\n' "$shared_out" "$gw_out" | grep '^{' | node -e '
const os = require("node:os");
const [date, commit, duration, load1, jwt, database] = process.argv.slice(1);
const machine = { nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? "unknown", ram_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version };
const lines = require("node:fs").readFileSync(0, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
for (const r of lines) {
  if (!r.op) {
    // A line of the harness: its gateway target times authenticateTotp with a session (adapters/gateway.mjs).
    r.op = r.target === "gateway" ? "authenticateTotp+session" : "verifyTotp+session";
    r.source = "shared/bench load.mjs";
    // The floor and the gateway sign with JWT= and run on PG= (SQLite without); raw and better-auth on SQLite, without a JWT.
    if (r.target === "gateway" || r.target === "floor") { r.jwt ??= jwt; r.database ??= database; }
    r.load1_before ??= Number(load1);
  }
  r.duration_s ??= Number(duration);
  r.date ??= date;
  r.commit ??= commit;
  r.machine = machine;
  console.log(JSON.stringify(r));
}' "$started" "$commit" "$D" "$load1" "$JWT" "$DB" >> "$out"

node -e '
const rs = require("node:fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const last = (t, op) => rs.filter((r) => r.target === t && (!op || r.op === op)).at(-1);
const raw = last("raw"), ba = last("better-auth"), floor = last("floor");
const gw = rs.filter((r) => r.target === "gateway" && r.source === "shared/bench load.mjs").at(-1);
const ours = last("gateway", "authenticateTotp+session");
const row = (name, r) => r && console.log(`${name.padEnd(34)} ${String(r.rps).padStart(6)} req/s  p50 ${String(r.p50_ms).padStart(8)} ms  p99 ${String(r.p99_ms).padStart(8)} ms  ${r.ended_by}${r.errors ? `  errors ${r.errors}` : ""}`);
row("raw floor", raw); row("same-work floor", floor); row("better-auth", ba); row("gateway (shared harness)", gw);
for (const r of rs.filter((x) => x.target === "gateway" && x.source !== "shared/bench load.mjs" && x.date === ours?.date)) row(`gateway ${r.op} (run.mjs)`, r);
if (floor && gw) console.log(`gateway / floor rps: ${(gw.rps / floor.rps).toFixed(2)}x, gateway p99 / floor p99: ${(gw.p99_ms / floor.p99_ms).toFixed(2)}x`);
if (raw && ba && gw) {
  console.log(`gateway / raw rps: ${(gw.rps / raw.rps).toFixed(2)}x, gateway / better-auth rps: ${(gw.rps / ba.rps).toFixed(2)}x, gateway p99 / raw p99: ${(gw.p99_ms / raw.p99_ms).toFixed(2)}x, raw / better-auth: ${(raw.rps / ba.rps).toFixed(1)}x`);
}' "$out"
node "$REPO/scripts/bench/chart.mjs" "$out"
echo "compare.sh: results appended to ${out#"$REPO"/}, chart in bench/chart.svg" >&2
