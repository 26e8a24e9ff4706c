// Loopback helpers the benchmark scripts share: a free port and a /healthz probe.
import http from 'node:http';
import net from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((ok, ko) => {
    const s = net.createServer().once('error', ko).listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Whether `${url}/healthz` answers 200 within `timeoutMs`. */
export function healthz(url, timeoutMs) {
  return new Promise((ok) => {
    const req = http.get(`${url}/healthz`, (res) => { res.resume(); ok(res.statusCode === 200); });
    req.on('error', () => ok(false));
    req.setTimeout(timeoutMs, () => { req.destroy(); ok(false); });
  });
}
