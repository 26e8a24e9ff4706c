// The `iss` claim of session JWTs (RFC 7519 §4.1.1). With PUBLIC_URL unset the issuer is
// `stytch.com/<projectId>`, the form Stytch itself issues: it depends only on the project, so every
// process on one database signs and accepts the same value whatever its host and port, and the
// official Stytch SDK's local verification accepts it. With PUBLIC_URL set, that URL is the issuer.

const STYTCH_ISSUER_PREFIX = 'stytch.com/';

/** The issuer this gateway writes into a project's session JWTs. */
export function sessionIssuer(publicUrl: string | null, projectId: string): string {
  return publicUrl ?? `${STYTCH_ISSUER_PREFIX}${projectId}`;
}

/**
 * The issuers a project's session JWT may carry: the one this gateway writes, and with PUBLIC_URL
 * set also `stytch.com/<projectId>`, so JWTs issued before PUBLIC_URL was configured keep naming their
 * sessions. Both name this gateway: the signature, by a key of this project in this database, is what
 * proves where a JWT comes from; the audience binds it to the project.
 */
export function acceptedIssuers(publicUrl: string | null, projectId: string): readonly string[] {
  const own = sessionIssuer(publicUrl, projectId);
  const stytch = `${STYTCH_ISSUER_PREFIX}${projectId}`;
  return own === stytch ? [own] : [own, stytch];
}
