// The operator's console's built files (Vite's output of console/, which `npm run build` writes to
// dist/src/console/public/): read once at start and held in memory, each with a strong ETag.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface ConsoleAsset {
  readonly contentType: string;
  readonly body: Buffer;
  /** A strong validator (RFC 9110 §8.8.3): the full SHA-256, quoted. */
  readonly etag: string;
}

export interface ConsoleAssets {
  /** The page itself (index.html). */
  readonly page: ConsoleAsset;
  /** Every other file by its path under the folder, with `/` separators (e.g. `assets/index-3f2a9c0d.js`). */
  readonly files: ReadonlyMap<string, ConsoleAsset>;
}

/**
 * Where the built files are: public/ next to the compiled module (dist/src/console/public), or, when
 * the gateway runs from its TypeScript sources (tests, ts-node), the same folder under dist/.
 */
function candidates(dir: string): string[] {
  return [join(dir, 'public'), resolve(dir, '..', '..', 'dist', 'src', 'console', 'public')];
}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path).map((inner) => join(entry, inner)) : [entry];
  });
}

function asset(path: string): ConsoleAsset {
  const body = readFileSync(path);
  const digest = createHash('sha256').update(body).digest('hex');
  return { contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', body, etag: `"${digest}"` };
}

/**
 * Reads the built console once, at start; null when it has not been built (no index.html in any
 * candidate folder), which /console then answers with CONSOLE_NOT_BUILT instead of a page.
 */
export function loadConsoleAssets(dir: string = __dirname): ConsoleAssets | null {
  const folder = candidates(dir).find((candidate) => existsSync(join(candidate, 'index.html')));
  if (!folder) return null;
  const files = new Map<string, ConsoleAsset>();
  for (const file of filesUnder(folder)) {
    if (file === 'index.html') continue;
    files.set(relative(folder, join(folder, file)).split(sep).join('/'), asset(join(folder, file)));
  }
  return { page: asset(join(folder, 'index.html')), files };
}
