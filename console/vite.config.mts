// Builds the operator's console (console/) into dist/src/console/public/, which the gateway serves at
// /console (src/console/). Relative URLs (base './'), so the page works behind a proxy's path prefix;
// no module-preload polyfill (the CSP admits no inline script, and the gateway's browsers need none).
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: '../dist/src/console/public',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    // One chunk of about 250 kB (React, uPlot, graphql's printer): no split for a page this small.
    chunkSizeWarningLimit: 1024,
  },
});
