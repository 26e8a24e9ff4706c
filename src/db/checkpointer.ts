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
  /** A failing checkpoint is reported at most this often (it is retried every interval). */
  readonly errorReportIntervalMs: number;
}

export const DEFAULT_CHECKPOINTER: CheckpointerOptions = { intervalMs: 200, errorReportIntervalMs: 60_000 };

/** The gateway connection's own checkpoint threshold with a worker running: 64 MiB of 4 KiB pages. */
export const INLINE_CHECKPOINT_PAGES = 16_384;
/** SQLite's default threshold, restored if the worker stops unexpectedly. */
export const SQLITE_DEFAULT_CHECKPOINT_PAGES = 1000;
/**
 * After a reset the WAL file is truncated to this. It is above the inline threshold's 64 MiB, so a WAL
 * that grew under load is overwritten in place, never truncated and grown again: with a 4 MiB limit
 * every cycle re-extended the file by 60 MiB, a block allocation inside many COMMITs, which cost
 * throughput and p99 latency (BENCHMARKS.md, "Numbers behind code choices"). The cost is
 * up to 64 MiB of WAL left on disk while the gateway runs; the last connection to close removes it.
 */
export const WAL_SIZE_LIMIT_BYTES = 96 * 1024 * 1024;

export interface CheckpointerEvents {
  readonly onError: (message: string) => void;
  /** The worker stopped without being asked to (it crashed): nothing checkpoints in the background now. */
  readonly onExit: () => void;
}

// Plain JavaScript run with `eval` (the gateway may run from TypeScript under jest, or from dist/):
// it needs only better-sqlite3, resolved by the parent so the worker finds the same copy.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
// PASSIVE checkpoints never wait on the busy handler, so no busy timeout is needed.
const db = new Sqlite(workerData.path);
let reportedAt = -Infinity;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    if (Date.now() - reportedAt < workerData.errorReportIntervalMs) return;
    reportedAt = Date.now();
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
  private stopping = false;

  private constructor(private readonly worker: Worker, events: CheckpointerEvents) {
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        if (!this.stopping) events.onExit();
        resolve();
      }),
    );
  }

  /** Starts checkpointing `path` in a worker; the caller raises its own connection's threshold. */
  static start(path: string, options: CheckpointerOptions, events: CheckpointerEvents): WalCheckpointer {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, driver: require.resolve('better-sqlite3'), ...options },
    });
    worker.on('message', (message: { error?: string }) => message.error && events.onError(message.error));
    worker.on('error', (error) => events.onError(error.message));
    // The gateway's lifetime is its server's, not this thread's.
    worker.unref();
    return new WalCheckpointer(worker, events);
  }

  /** Stops the worker (closing its connection); resolves at once if it has already exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.worker.postMessage('stop');
    await this.exited;
  }
}
