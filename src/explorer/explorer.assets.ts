// The offline explorer's files: GraphiQL's and React's browser bundles from their npm packages, and the
// page's own script and styles (public/). Each is held in memory under a name carrying its content
// hash, so a browser may cache it for a year and a new version is a new URL.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { EXPLORER_ASSET_HASH_HEX } from '../constants/explorer.constants';
import vendor from './explorer.vendor.json';

/** The page's own files, in public/ next to this module. */
const OWN_FILES = ['explorer.js', 'explorer.css'] as const;
/** Every file the page loads, by its short name: the vendor bundles, then the page's own. */
export type ExplorerFile = keyof typeof vendor | (typeof OWN_FILES)[number];

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface ExplorerAsset {
  /** The URL name: `<short name>.<hash>.<extension>`, e.g. `graphiql.3f2a9c0d1e4b5a6f.js`. */
  readonly name: string;
  readonly contentType: string;
  readonly body: Buffer;
  /** A strong validator (RFC 9110 §8.8.3): the full SHA-256, quoted. */
  readonly etag: string;
}

export interface ExplorerAssets {
  /** Short name (`graphiql.js`) to its asset, for the page's links. */
  readonly byFile: ReadonlyMap<ExplorerFile, ExplorerAsset>;
  /** URL name (`graphiql.<hash>.js`) to its asset, for the route. */
  readonly byName: ReadonlyMap<string, ExplorerAsset>;
}

/** Raised at start when GRAPHQL_EXPLORER=graphiql and a file it needs is missing. */
export class ExplorerAssetsMissingError extends Error {
  override readonly name = 'ExplorerAssetsMissingError';
}

/**
 * Where a file is: public/ next to the compiled module (the build copies the vendor bundles there,
 * scripts/explorer-assets.js, so an installed package needs nothing else); when running from the
 * sources, a vendor bundle comes from node_modules, the devDependency the build copies from.
 */
function locate(file: ExplorerFile, dir: string): string {
  const copied = join(dir, 'public', file);
  if (existsSync(copied)) return copied;
  const source = (vendor as Record<string, string[]>)[file];
  if (source) {
    const [pkg, path] = source;
    try {
      // By the package's folder: its `exports` do not list these files.
      const installed = join(dirname(require.resolve(`${pkg}/package.json`)), path);
      if (existsSync(installed)) return installed;
    } catch {
      // Not installed: reported below with what to do.
    }
  }
  throw new ExplorerAssetsMissingError(
    `GRAPHQL_EXPLORER=graphiql needs ${file} (${source ? source.join('/') : 'public/' + file}), which is missing: rebuild (npm run build) or reinstall the package, or set GRAPHQL_EXPLORER=sandbox or off.`,
  );
}

/**
 * Reads and hashes every explorer file (about 1.5 MB) once, at start.
 * Throws ExplorerAssetsMissingError naming a missing file.
 */
export function loadExplorerAssets(dir: string = __dirname): ExplorerAssets {
  const byFile = new Map<ExplorerFile, ExplorerAsset>();
  const byName = new Map<string, ExplorerAsset>();
  for (const file of [...(Object.keys(vendor) as ExplorerFile[]), ...OWN_FILES]) {
    const body = readFileSync(locate(file, dir));
    const digest = createHash('sha256').update(body).digest('hex');
    const extension = extname(file);
    const name = `${file.slice(0, -extension.length)}.${digest.slice(0, EXPLORER_ASSET_HASH_HEX)}${extension}`;
    const asset: ExplorerAsset = { name, contentType: CONTENT_TYPES[extension], body, etag: `"${digest}"` };
    byFile.set(file, asset);
    byName.set(name, asset);
  }
  return { byFile, byName };
}
