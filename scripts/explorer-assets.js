#!/usr/bin/env node
// Copies what the offline GraphQL explorer serves next to its compiled module, into
// dist/src/explorer/public/: GraphiQL's and React's browser bundles from their npm packages
// (devDependencies, so an installed package carries these few files instead of their dependency
// trees) and the page's own script and styles. `npm run build` runs it (a missing bundle fails the
// build, so `npm pack` cannot ship without them); scripts/ensure-built.js too, where a clone installed
// without devDependencies only gets a warning (GRAPHQL_EXPLORER=graphiql then refuses to start).
'use strict';
const { copyFileSync, mkdirSync, readdirSync } = require('node:fs');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..');
const from = join(root, 'src', 'explorer');
const to = join(root, 'dist', 'src', 'explorer', 'public');

/** Copies every file; a vendor bundle that cannot be resolved throws, or only warns when `optional`. */
function copyExplorerAssets({ optional = false } = {}) {
  const vendor = require(join(from, 'explorer.vendor.json'));
  mkdirSync(to, { recursive: true });
  for (const file of readdirSync(join(from, 'public'))) copyFileSync(join(from, 'public', file), join(to, file));
  for (const [file, [pkg, path]] of Object.entries(vendor)) {
    let dir;
    try {
      // By the package's folder: its `exports` do not list these files.
      dir = dirname(require.resolve(`${pkg}/package.json`, { paths: [root] }));
    } catch (error) {
      if (!optional) throw error;
      process.stderr.write(`totp-gateway: ${pkg} is not installed (a devDependency); GRAPHQL_EXPLORER=graphiql needs it.\n`);
      continue;
    }
    copyFileSync(join(dir, path), join(to, file));
  }
}

module.exports = { copyExplorerAssets };
if (require.main === module) copyExplorerAssets();
