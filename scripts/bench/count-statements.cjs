// Preload (node --require) for scripts/bench/statements.mjs: counts every SQL statement the gateway
// process sends, by text, in the driver layer, so statements and round trips per request can be
// counted deterministically on a busy machine (no pg_stat_statements needed).
//   - PostgreSQL (node-postgres): every Client#query call is one statement and one round trip
//     (node-postgres never pipelines); pool checkouts, checkouts that had to queue for a busy pool
//     (`waits`) and new connections are counted beside them.
//   - SQLite (better-sqlite3): every run/get/all/iterate of a prepared statement and every exec
//     (BEGIN IMMEDIATE, COMMIT) is one statement; `prepares` counts statements compiled.
// On SIGUSR2 the totals so far are written as JSON to STATEMENT_COUNTS_FILE (synchronously), so the
// caller can difference two snapshots around a window of requests. Never loaded in production.
'use strict';
const { writeFileSync } = require('node:fs');

const counts = { statements: 0, byText: {}, checkouts: 0, waits: 0, connects: 0, prepares: 0 };
const short = (text) => String(text).replace(/\s+/g, ' ').trim().slice(0, 160);
function count(text) {
  counts.statements++;
  const key = short(text);
  counts.byText[key] = (counts.byText[key] ?? 0) + 1;
}

try {
  const pg = require('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, ...rest) {
    count(typeof config === 'string' ? config : config?.text);
    return query.call(this, config, ...rest);
  };
  const connect = pg.Client.prototype.connect;
  pg.Client.prototype.connect = function (...args) {
    counts.connects++;
    return connect.apply(this, args);
  };
  const Pool = require('pg-pool');
  const checkout = Pool.prototype.connect;
  Pool.prototype.connect = function (...args) {
    counts.checkouts++;
    if (!this._idle.length && this._clients.length >= this.options.max) counts.waits++;
    return checkout.apply(this, args);
  };
} catch {
  // no pg in this tree
}

try {
  const Database = require('better-sqlite3');
  const prepare = Database.prototype.prepare;
  let patched = false;
  Database.prototype.prepare = function (text, ...rest) {
    counts.prepares++;
    const statement = prepare.call(this, text, ...rest);
    if (!patched) {
      patched = true;
      const proto = Object.getPrototypeOf(statement);
      for (const name of ['run', 'get', 'all', 'iterate']) {
        const method = proto[name];
        proto[name] = function (...args) {
          count(this.source);
          return method.apply(this, args);
        };
      }
    }
    return statement;
  };
  const exec = Database.prototype.exec;
  Database.prototype.exec = function (text) {
    count(text);
    return exec.call(this, text);
  };
} catch {
  // no better-sqlite3 in this tree
}

process.on('SIGUSR2', () => {
  if (process.env.STATEMENT_COUNTS_FILE) writeFileSync(process.env.STATEMENT_COUNTS_FILE, JSON.stringify(counts));
});
