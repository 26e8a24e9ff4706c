// The one cursor scheme of the API's paginated lists (authEvents, users, POST /v1/users/search):
// opaque to clients (Relay cursor connections, https://relay.dev/graphql/connections.htm), a cursor
// is the base64url of the last row's public id. Decoding checks that it is exactly the encoding of a
// well-formed id of the expected kind; the list then looks that row up within the caller's own scope
// (project, user), so a forged, foreign or stale cursor is refused as invalid_cursor, never read past.
import { isId, type IdPrefix } from './ids';

/** The cursor of the row with public id `id`. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/** The id a cursor names when it is a canonical cursor of a `prefix` id, else null (the caller answers invalid_cursor). */
export function decodeCursor(prefix: IdPrefix, cursor: unknown): string | null {
  if (typeof cursor !== 'string') return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return isId(prefix, id) && encodeCursor(id) === cursor ? id : null;
}
