// The offline explorer's page: GraphiQL under a small credentials form, as Apollo's landing page on
// GET /graphql (where Apollo Sandbox would be), loading only the gateway's own files.
import type { ApolloServerPlugin } from '@apollo/server';
import { EXPLORER_ASSET_PATH } from '../constants/explorer.constants';
import type { ExplorerAssets, ExplorerFile } from './explorer.assets';

/**
 * The page's Content-Security-Policy (W3C CSP Level 3): scripts, styles and requests only to the
 * gateway itself; fonts and icons GraphiQL inlines as data: URLs; no frames, forms or base URL.
 */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Relative to the page's URL (`/graphql`), so the page also works behind a proxy's path prefix. */
const href = (assets: ExplorerAssets, file: ExplorerFile) => `${EXPLORER_ASSET_PATH.slice(1)}/${assets.byFile.get(file)!.name}`;

/** The page's HTML: no inline script or style (the CSP allows none). */
function explorerPage(assets: ExplorerAssets): string {
  const script = (file: ExplorerFile) => `<script src="${href(assets, file)}" defer></script>`;
  const style = (file: ExplorerFile) => `<link rel="stylesheet" href="${href(assets, file)}">`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>totp-gateway GraphQL explorer</title>
<link rel="icon" href="data:,">
${style('graphiql.css')}
${style('explorer.css')}
${script('react.js')}
${script('react-dom.js')}
${script('graphiql.js')}
${script('explorer.js')}
</head>
<body>
<form id="credentials" class="credentials" autocomplete="off" data-testid="credentials">
  <label>Caller
    <select name="mode" data-testid="mode">
      <option value="secret" selected>Project secret (Basic)</option>
      <option value="session">Public token + session (Bearer)</option>
    </select>
  </label>
  <span class="mode-secret">
    <label>Project id <input name="projectId" data-testid="project-id" spellcheck="false" placeholder="project-..."></label>
    <label>Secret <input name="secret" type="password" data-testid="secret" spellcheck="false"></label>
  </span>
  <span class="mode-session" hidden>
    <label>Public token <input name="publicToken" data-testid="public-token" spellcheck="false" placeholder="public-token-..."></label>
    <label>Session <input name="session" type="password" data-testid="session" spellcheck="false" placeholder="session token or JWT"></label>
  </span>
  <button type="submit" data-testid="use-credentials">Use</button>
  <button type="button" name="forget" data-testid="forget-credentials">Forget</button>
  <output name="status" data-testid="credentials-status">No credentials: operations run anonymously.</output>
</form>
<div id="graphiql" class="graphiql" data-testid="graphiql"><p class="loading">Loading GraphiQL...</p></div>
</body>
</html>
`;
}

/** An Apollo landing-page plugin serving the explorer page wherever Apollo would serve Sandbox. */
export function explorerLandingPage(assets: ExplorerAssets): ApolloServerPlugin {
  const html = explorerPage(assets);
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html };
        },
      };
    },
  };
}
