// Real gateway processes (node dist/src/main.js) for multi-process tests: the same build `npm start`
// runs, each with its own port, sharing one database.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { GatewayClient } from '../../client';

const root = join(__dirname, '..', '..');

/** Compiles dist/ if any source is newer (what `npm start` does first). */
export function ensureBuilt(): void {
  execFileSync(process.execPath, [join(root, 'scripts', 'ensure-built.js')], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface GatewayProcess {
  readonly url: string;
  readonly child: ChildProcess;
  client(projectId: string, secret: string): GatewayClient;
  /** Output so far (stdout and stderr). */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [join(root, 'dist', 'src', 'main.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      // Set by global-setup: a generated development key never lands in the real ~/.config.
      ...(process.env.XDG_CONFIG_HOME && { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME }),
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 30_000);
    const onData = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    client: (projectId, secret) => new GatewayClient({ url, projectId, secret }),
    output: () => output,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
