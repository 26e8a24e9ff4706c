#!/usr/bin/env bash
# The README's first commands on a throwaway SQLite file: `npm start` serves and prints the Default
# project once, `npm run cli -- project create --json` prints credentials that work. Used by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
export DATABASE_URL="sqlite:${dir}/gateway.sqlite" PORT="$port" LOG_LEVEL=warn
# The generated development key goes to the per-user config directory: a throwaway one here.
export XDG_CONFIG_HOME="${dir}/config"
npm start >"${dir}/out.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:${port}/healthz" >/dev/null && break; sleep 0.5; done
curl -fs "http://127.0.0.1:${port}/healthz"; echo
grep -q 'Created project "Default"' "${dir}/out.log" || { cat "${dir}/out.log"; echo "smoke: Default project not printed"; exit 1; }
creds=$(npm run --silent cli -- project create --name Smoke --json)
id=$(node -pe "JSON.parse(process.argv[1]).projectId" "$creds")
secret=$(node -pe "JSON.parse(process.argv[1]).secret" "$creds")
body=$(curl -fs -u "${id}:${secret}" -H 'content-type: application/json' \
  --data '{"query":"mutation { createUser(input: {email: \"smoke@example.com\"}) { userId } }"}' "http://127.0.0.1:${port}/graphql")
echo "$body" | grep -q '"userId":"user-' || { echo "smoke: createUser failed: $body"; exit 1; }
echo "smoke: ok"
