// Users: find users by email, phone number, external id or user id, filter by lock and TOTP state,
// and page through them with the `users` connection's cursors.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ConsoleUserByIdDocument, ConsoleUsersDocument, GatewayRequestError, type ConsoleUserRowFragment, type UserFilter } from '../../../client';
import { useRun } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../load';
import { hrefOf } from '../fragment';
import { when } from '../components/format';

const PAGE_SIZE = 20;

const SEARCH_FIELDS = [
  { value: 'email', label: 'Email' },
  { value: 'phoneNumber', label: 'Phone number' },
  { value: 'externalId', label: 'External id' },
  { value: 'userId', label: 'User id' },
] as const;
type SearchField = (typeof SEARCH_FIELDS)[number]['value'];

interface Search {
  readonly field: SearchField;
  readonly text: string;
  readonly locked: boolean | null;
  readonly totpVerified: boolean | null;
}

interface Page {
  readonly users: ConsoleUserRowFragment[];
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
}

/** A tri-state select's value: any (null), yes, no. */
const tri = (value: FormDataEntryValue | null): boolean | null => (value === 'yes' ? true : value === 'no' ? false : null);

function filterOf(search: Search): UserFilter {
  const filter: UserFilter = { locked: search.locked, totpVerified: search.totpVerified };
  if (search.text && search.field !== 'userId') filter[search.field] = search.text;
  return filter;
}

export function UsersPage() {
  const run = useRun();
  const [failure, act] = useAction();
  const [search, setSearch] = useState<Search | null>(null);
  const [page, setPage] = useState<Page | null>(null);
  /** The `after` of each page shown so far: [null] on the first; Previous pops one. */
  const [afters, setAfters] = useState<Array<string | null>>([null]);

  /** The latest load: an answer to an earlier one (a slow first page after a quick search) is dropped. */
  const latest = useRef(0);
  const load = (s: Search, after: string | null) =>
    act(async () => {
      const ticket = ++latest.current;
      const show = (shown: Page) => ticket === latest.current && setPage(shown);
      if (s.field === 'userId' && s.text) {
        // The user query takes a user id or an external id; a missing one is an empty result, not an error.
        try {
          const { user } = await run(ConsoleUserByIdDocument, { userId: s.text });
          show({ users: [user], endCursor: null, hasNextPage: false });
        } catch (error) {
          if (!(error instanceof GatewayRequestError && error.code === 'USER_NOT_FOUND')) throw error;
          show({ users: [], endCursor: null, hasNextPage: false });
        }
        return;
      }
      const { users } = await run(ConsoleUsersDocument, { filter: filterOf(s), first: PAGE_SIZE, after });
      show({ users: users.edges.map((e) => e.node), endCursor: users.pageInfo.endCursor ?? null, hasNextPage: users.pageInfo.hasNextPage });
    });

  // The first page of every user on arrival, before any search.
  useEffect(() => {
    const everyone: Search = { field: 'email', text: '', locked: null, totpVerified: null };
    setSearch(everyone);
    void load(everyone, null);
  }, []);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next: Search = { field: form.get('field') as SearchField, text: String(form.get('text')).trim(), locked: tri(form.get('locked')), totpVerified: tri(form.get('totpVerified')) };
    setSearch(next);
    setAfters([null]);
    void load(next, null);
  };
  const turn = (forward: boolean) => {
    if (!search || !page) return;
    const nextAfters = forward ? [...afters, page.endCursor] : afters.slice(0, -1);
    setAfters(nextAfters);
    void load(search, nextAfters.at(-1) ?? null);
  };

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title" tabIndex={-1}>
        Users
      </h1>
      <form className="search" onSubmit={submit} role="search" aria-label="Find users">
        <label>
          Search by
          <select name="field" defaultValue="email" data-testid="search-field">
            {SEARCH_FIELDS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Value
          <input name="text" type="search" spellCheck={false} placeholder="ada@example.com" data-testid="search-text" />
        </label>
        <label>
          Locked
          <select name="locked" defaultValue="any" data-testid="filter-locked">
            <option value="any">Any</option>
            <option value="yes">Locked</option>
            <option value="no">Not locked</option>
          </select>
        </label>
        <label>
          TOTP
          <select name="totpVerified" defaultValue="any" data-testid="filter-totp">
            <option value="any">Any</option>
            <option value="yes">Verified</option>
            <option value="no">None verified</option>
          </select>
        </label>
        <button type="submit" data-testid="search">
          Search
        </button>
      </form>
      <ErrorNote failure={failure} />
      {page && <UserTable users={page.users} />}
      {page && (
        <div className="pager">
          <button type="button" onClick={() => turn(false)} disabled={afters.length < 2}>
            Previous page
          </button>
          <span aria-live="polite">Page {afters.length}</span>
          <button type="button" onClick={() => turn(true)} disabled={!page.hasNextPage} data-testid="next-page">
            Next page
          </button>
        </div>
      )}
    </section>
  );
}

function UserTable({ users }: { users: ConsoleUserRowFragment[] }) {
  if (!users.length) return <p data-testid="no-users">No users match.</p>;
  return (
    <table data-testid="users">
      <caption className="visually-hidden">Users found</caption>
      <thead>
        <tr>
          <th scope="col">User</th>
          <th scope="col">External id</th>
          <th scope="col">TOTP</th>
          <th scope="col">Lock</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {users.map((user) => (
          <tr key={user.userId} data-testid="user-row">
            <td>
              <a href={hrefOf({ page: 'user', userId: user.userId })}>{user.emails[0]?.email ?? user.phoneNumbers[0]?.phoneNumber ?? user.userId}</a>
              <div className="muted mono">{user.userId}</div>
            </td>
            <td className="mono">{user.externalId ?? '—'}</td>
            <td>{user.totps.some((t) => t.verified) ? 'verified' : user.totps.length ? 'pending' : 'none'}</td>
            <td>{user.isLocked ? <span className="badge bad">locked{user.lockedUntil ? ` until ${when(user.lockedUntil)}` : ' until unlocked'}</span> : 'no'}</td>
            <td>{when(user.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
