// `Authorization: Basic base64(projectId:secret)` (RFC 7617), as Stytch's `curl -u PROJECT_ID:SECRET`.

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/** The credentials in a Basic header, or null for anything else (missing, other scheme, malformed). */
export function parseBasicAuth(header: string | undefined): BasicCredentials | null {
  if (!header) return null;
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
