#!/usr/bin/env node
// The local webhook receiver of `run.mjs --webhook`: answers every POST 204 after reading its body,
// counts them, and on SIGTERM prints `{"received":N}` on stdout (after its `ready` line) and exits. Signatures are not
// verified here (the tests do that); this only stands in for a fast backend.
//
//   node scripts/bench/webhook-receiver.mjs --port PORT
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({ options: { port: { type: 'string' } } });
let received = 0;
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    received++;
    response.writeHead(204).end();
  });
});
// `ready` on stdout once listening; run.mjs waits for it.
server.listen(Number(opt.port), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => {
  console.log(JSON.stringify({ received }));
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
