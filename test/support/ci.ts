// Whether this run is CI: any truthy CI variable (CI=true, CI=1, CI=yes ...), as CI services set it.
// In CI nothing may be skipped for want of a service (PostgreSQL, Chromium): its absence is an error.

const FALSY = new Set(['', '0', 'false', 'no', 'off']);

/** True when the CI variable is set to anything but an empty or false-like value. */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI;
  return value !== undefined && !FALSY.has(value.trim().toLowerCase());
}
