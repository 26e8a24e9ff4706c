// The `iss` claim of session JWTs (RFC 7519 §4.1.1). With PUBLIC_URL unset the issuer is
// `stytch.com/<projectId>`, the form Stytch itself issues: it depends only on the project, so every
// process on one database signs the same value whatever its host and port, and the official Stytch
// SDK's local verification accepts it. With PUBLIC_URL set, that URL is the issuer.
//
// Accepting: RFC 7519 §4.1.1 leaves the processing of `iss` to the application. Here the issuer is not
// what proves where a JWT comes from: each project has its own signing keys, in this database, and a
// JWT verifies only against the keys of the project it is presented to, with that project in `aud`.
// So a JWT that passes those checks is this gateway's own whatever issuer it was signed under, and the
// issuer check only requires one of the forms this gateway has ever written: `stytch.com/<projectId>`,
// an absolute http(s) URL (a PUBLIC_URL, past or present, of any process), or this process's own
// PUBLIC_URL whatever its scheme. Setting, changing or unsetting PUBLIC_URL, or processes that disagree
// on it, therefore never orphan live sessions.

const STYTCH_ISSUER_PREFIX = 'stytch.com/';
const URL_ISSUER_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);

/** The issuer this gateway writes into a project's session JWTs. */
export function sessionIssuer(publicUrl: string | null, projectId: string): string {
  return publicUrl ?? `${STYTCH_ISSUER_PREFIX}${projectId}`;
}

/**
 * Whether `iss` is an issuer this gateway may have written for `projectId`'s JWTs: exactly
 * `stytch.com/<projectId>`, this process's `publicUrl`, or an absolute http(s) URL with a host (any
 * other PUBLIC_URL). Only meaningful for a JWT whose signature verified with one of this project's
 * keys and whose `aud` names the project (the checks that bind it to this gateway and project); never
 * another project's default issuer, a relative or other non-http value, or a non-string.
 */
export function isOwnIssuer(iss: unknown, projectId: string, publicUrl: string | null): boolean {
  if (typeof iss !== 'string') return false;
  if (iss === `${STYTCH_ISSUER_PREFIX}${projectId}` || iss === publicUrl) return true;
  if (!URL.canParse(iss)) return false;
  const url = new URL(iss);
  return URL_ISSUER_PROTOCOLS.has(url.protocol) && url.host !== '';
}
