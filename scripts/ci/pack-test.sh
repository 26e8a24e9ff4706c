#!/usr/bin/env bash
# The npm package works on its own: `npm pack`, then in an empty folder `npm install ./totp-gateway-*.tgz`
# and `npx totp-gateway serve` (compiled dist/ only, no TypeScript at run time, migrations applied),
# `npx totp-gateway project create --json` credentials that work over HTTP. Uses whichever Node.js is
# on PATH (CI runs it on Node 24 after scripts/ci/node24-test.sh).
#
# CI reaches only the npm registry: better-sqlite3's install script would compile it from source for
# a minute or two, so the install skips scripts and reuses the binary this checkout already built for
# the same Node.js. Users' `npm install` runs it and gets a prebuilt binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && { kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; }; rm -rf "$dir"' EXIT

tarball=$(npm pack --silent --pack-destination "$dir" | tail -1)
echo "pack: $tarball ($(du -h "$dir/$tarball" | cut -f1)); contents:"
tar -tzf "$dir/$tarball" | sed 's#^package/##' | awk -F/ '{print $1"/"$2}' | sort -u | tr '\n' ' '; echo
if tar -tzf "$dir/$tarball" | grep -E '^package/(src|test)/|\.ts$' | grep -v '\.d\.ts$' | head -1 | grep -q .; then
  echo "pack: TypeScript sources or tests are in the package" >&2; exit 1
fi
# The offline explorer's files are in the package (copied at build), not its dependency trees.
listing=$(tar -tzf "$dir/$tarball")
for file in graphiql.js graphiql.css react.js react-dom.js explorer.js explorer.css; do
  grep -qx "package/dist/src/explorer/public/$file" <<<"$listing" || { echo "pack: dist/src/explorer/public/$file is not in the package" >&2; exit 1; }
done
# So is the operator's console, built by Vite (npm run build).
grep -qx "package/dist/src/console/public/index.html" <<<"$listing" || { echo "pack: dist/src/console/public/index.html is not in the package" >&2; exit 1; }

mkdir "$dir/app" && cd "$dir/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts "$dir/$tarball" >/dev/null
cp -r "$root/node_modules/better-sqlite3/build" node_modules/better-sqlite3/
for dev in typescript graphiql react; do
  [ ! -e "node_modules/$dev" ] || { echo "pack: $dev was installed as a runtime dependency" >&2; exit 1; }
done

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
export DATABASE_URL="sqlite:$dir/app/gateway.sqlite" PORT="$port" LOG_LEVEL=warn XDG_CONFIG_HOME="$dir/config" GRAPHQL_EXPLORER=graphiql
# The bin itself, not through npx: $pid is then the server, and the EXIT trap stops it (npx would
# leave its child serving after the script ends).
./node_modules/.bin/totp-gateway serve >"$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:${port}/healthz" >/dev/null && break; sleep 0.5; done
curl -fs "http://127.0.0.1:${port}/healthz" >/dev/null || { cat "$dir/serve.log"; echo "pack: serve did not answer /healthz" >&2; exit 1; }
# The offline GraphiQL page and a file it loads, from the package's own copies.
page=$(curl -fs -H 'accept: text/html' "http://127.0.0.1:${port}/graphql")
asset=$(echo "$page" | grep -o 'graphql/explorer/graphiql\.[0-9a-f]*\.js' | head -1)
[ -n "$asset" ] || { echo "pack: GET /graphql gave no GraphiQL page: $page" >&2; exit 1; }
bundle=$(curl -fs "http://127.0.0.1:${port}/${asset}")
grep -q 'GraphiQL' <<<"${bundle:0:2000}" || { echo "pack: /$asset is not GraphiQL's bundle" >&2; exit 1; }
# The console's page and its script, from the package's built copy (on by default outside production).
console_page=$(curl -fsL "http://127.0.0.1:${port}/console")
console_script=$(echo "$console_page" | grep -o 'assets/index-[A-Za-z0-9_-]*\.js' | head -1)
[ -n "$console_script" ] || { echo "pack: GET /console gave no console page: $console_page" >&2; exit 1; }
curl -fs -o /dev/null "http://127.0.0.1:${port}/console/${console_script}" || { echo "pack: /console/$console_script is not served" >&2; exit 1; }
creds=$(npx --no totp-gateway project create --name Packed --json)
id=$(node -pe "JSON.parse(process.argv[1]).projectId" "$creds")
secret=$(node -pe "JSON.parse(process.argv[1]).secret" "$creds")
body=$(curl -fs -u "${id}:${secret}" -H 'content-type: application/json' \
  --data '{"query":"mutation { createUser(input: {email: \"packed@example.com\"}) { userId } }"}' "http://127.0.0.1:${port}/graphql")
echo "$body" | grep -q '"userId":"user-' || { echo "pack: createUser failed: $body" >&2; exit 1; }
echo "pack: ok on $(node -v): installed from $tarball, served (with the offline GraphiQL and the console), created a project and a user"
