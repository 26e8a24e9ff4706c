// SQLite WAL checkpoints off the event loop. By default the connection that commits a transaction
// also runs the checkpoint once the WAL passes 1000 pages (https://sqlite.org/wal.html#ckpt): it
// copies pages into the database file and fsyncs it, inside that COMMIT, on the only thread that
// serves requests, so every request in flight waits for it. Profiled under load (BENCHMARKS.md) that
// was most of the COMMIT time and of the tail latency. Here a worker thread with its own connection
// checkpoints every interval instead: PASSIVE, so it never blocks the writer or readers. Under
// sustained writes a PASSIVE checkpoint never quite catches up with the writer, so the WAL is only
// reset by a checkpoint on the writer's own connection: the gateway keeps one, at a much higher
// threshold (INLINE_CHECKPOINT_PAGES), and by then the worker has copied nearly every page, so that
// inline checkpoint is short. (A TRUNCATE checkpoint from the worker was measured worse: it makes
// the writer's next BEGIN busy-wait on the event loop.)
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  /** How often the worker checkpoints. */
  readonly intervalMs: number;
  readonly busyTimeoutMs: number;
}

export const DEFAULT_CHECKPOINTER: CheckpointerOptions = { intervalMs: 200, busyTimeoutMs: 5000 };

/** The gateway connection's own checkpoint threshold with a worker running: 64 MiB of 4 KiB pages. */
export const INLINE_CHECKPOINT_PAGES = 16_384;

// Plain JavaScript run with `eval` (the gateway may run from TypeScript under jest, or from dist/):
// it needs only better-sqlite3, resolved by the parent so the worker finds the same copy.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
const db = new Sqlite(workerData.path, { timeout: workerData.busyTimeoutMs });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.close(); } finally { parentPort.close(); }
});
`;

export class WalCheckpointer {
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  /** Starts checkpointing `path` in a worker; the caller raises its own connection's threshold. */
  static start(path: string, options: CheckpointerOptions, onError: (message: string) => void): WalCheckpointer {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, driver: require.resolve('better-sqlite3'), ...options },
    });
    worker.on('message', (message: { error?: string }) => message.error && onError(message.error));
    worker.on('error', (error) => onError(error.message));
    // The gateway's lifetime is its server's, not this thread's.
    worker.unref();
    return new WalCheckpointer(worker);
  }

  /** Stops the worker (closing its connection); resolves at once if it has already exited. */
  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    await this.exited;
  }
}
