// A user's audit trail (authEvents), newest first, a page at a time: "Show older" appends the next page.
import { useEffect, useState } from 'react';
import { AuthEventsDocument, type AuthEventFieldsFragment } from '../../../client';
import { useRun } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { orDash, when } from '../components/format';
import { useAction } from '../load';

const PAGE_SIZE = 20;

interface Props {
  readonly userId: string;
  /** Changes after every action on the user: the newest page is read again. */
  readonly changes: number;
}

export function UserTimeline({ userId, changes }: Props) {
  const run = useRun();
  const [failure, act] = useAction();
  const [events, setEvents] = useState<AuthEventFieldsFragment[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const read = (after: string | null) =>
    act(async () => {
      const { authEvents } = await run(AuthEventsDocument, { userId, first: PAGE_SIZE, after });
      const page = authEvents.edges.map((e) => e.node);
      setEvents((shown) => (after ? [...shown, ...page] : page));
      setNext(authEvents.pageInfo.hasNextPage ? (authEvents.pageInfo.endCursor ?? null) : null);
    });
  // The newest page again whenever the user or an action on it changes (`read` is new each render).
  useEffect(() => {
    void read(null);
  }, [userId, changes]);
  return (
    <section aria-labelledby="timeline-title" className="card">
      <h2 id="timeline-title">Audit timeline</h2>
      {events.length === 0 && <p>No events yet.</p>}
      <ol className="timeline" data-testid="timeline">
        {events.map((event) => (
          <li key={event.eventId} data-testid="event" data-outcome={event.outcome} data-type={event.type} className={`outcome-${event.outcome}`}>
            <time dateTime={event.occurredAt}>{when(event.occurredAt)}</time>
            <span className="badge">{event.outcome}</span>
            <span>{event.type}</span>
            {event.count > 1 && <span>×{event.count}</span>}
            <span className="muted mono">request {orDash(event.requestId)}</span>
          </li>
        ))}
      </ol>
      {next && (
        <button type="button" onClick={() => void read(next)} data-testid="older-events">
          Show older events
        </button>
      )}
      <ErrorNote failure={failure} />
    </section>
  );
}
