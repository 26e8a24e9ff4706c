// The overview: authentication attempts per minute by outcome over the last hour (authEventStats,
// counted by the gateway; its other events, sessions and devices created or revoked and unlocks, are
// left out) as a uPlot chart with the same numbers as a table, and how many users are locked now.
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import { ConsoleOverviewDocument, type ConsoleOverviewQuery } from '../../../client';
import { useRun } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { useLoad } from '../load';

const WINDOW_MINUTES = 60;
const MINUTE_MS = 60_000;
const CHART_HEIGHT_PX = 260;

/**
 * The outcomes of an authentication attempt (AuthEvent.outcome), the only ones charted, each with a
 * colour readable on white.
 */
const OUTCOME_COLOURS: Readonly<Record<string, string>> = {
  success: '#1a7f37',
  failure: '#cf222e',
  replay: '#bc4c00',
  locked: '#8250df',
};

interface Series {
  /** Minute starts, epoch seconds (uPlot's time axis), oldest first, every minute of the window. */
  readonly minutes: number[];
  /** Per outcome, the count of every minute (0 where none). */
  readonly byOutcome: ReadonlyMap<string, number[]>;
}

/** The gateway's sparse rows of attempt outcomes as one dense row per outcome over every minute since `since`. */
function seriesOf(stats: ConsoleOverviewQuery['authEventStats']): Series {
  const since = Date.parse(stats.since);
  const minutes = Array.from({ length: WINDOW_MINUTES }, (_, i) => (since + i * MINUTE_MS) / 1000);
  const byOutcome = new Map<string, number[]>();
  for (const { minute, outcome, count } of stats.minutes) {
    if (!(outcome in OUTCOME_COLOURS)) continue;
    if (!byOutcome.has(outcome)) byOutcome.set(outcome, new Array(WINDOW_MINUTES).fill(0));
    const index = Math.round((Date.parse(minute) - since) / MINUTE_MS);
    if (index >= 0 && index < WINDOW_MINUTES) byOutcome.get(outcome)![index] = count;
  }
  return { minutes, byOutcome };
}

export function OverviewPage() {
  const run = useRun();
  const loaded = useLoad(() => run(ConsoleOverviewDocument, { sinceMinutes: WINDOW_MINUTES }), 'overview');
  const series = useMemo(() => (loaded.data ? seriesOf(loaded.data.authEventStats) : null), [loaded.data]);
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title" tabIndex={-1}>
        Overview
      </h1>
      <ErrorNote failure={loaded.failure} />
      {loaded.data && series && (
        <>
          <p className="stat">
            <span className="number" data-testid="locked-users">
              {loaded.data.lockedUsers}
            </span>{' '}
            {loaded.data.lockedUsers === 1 ? 'user is' : 'users are'} locked now. <a href="#/users">Find them on the Users page</a> (filter: locked).
          </p>
          <section aria-labelledby="chart-title" className="card">
            <h2 id="chart-title">Authentication attempts per minute, last hour</h2>
            <Chart series={series} />
            <details>
              <summary>Show the numbers as a table</summary>
              <ChartTable series={series} />
            </details>
          </section>
          <button type="button" onClick={() => void loaded.reload()} data-testid="refresh">
            Refresh
          </button>
        </>
      )}
    </section>
  );
}

function Chart({ series }: { series: Series }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const outcomes = [...series.byOutcome.keys()];
    const plot = new uPlot(
      {
        width: Math.max(320, box.current.clientWidth),
        height: CHART_HEIGHT_PX,
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{}, { label: 'attempts', values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) }],
        series: [{}, ...outcomes.map((outcome) => ({ label: outcome, stroke: OUTCOME_COLOURS[outcome], width: 2, points: { show: true } }))],
      },
      [series.minutes, ...outcomes.map((o) => series.byOutcome.get(o)!)],
      box.current,
    );
    return () => plot.destroy();
  }, [series]);
  const total = [...series.byOutcome.values()].flat().reduce((a, b) => a + b, 0);
  return <div ref={box} className="chart" role="img" aria-label={`Chart of ${total} authentication attempts in the last hour by outcome; the table below has the numbers.`} data-testid="chart" />;
}

function ChartTable({ series }: { series: Series }) {
  const outcomes = [...series.byOutcome.keys()];
  const rows = series.minutes.map((minute, i) => ({ minute, counts: outcomes.map((o) => series.byOutcome.get(o)![i]) })).filter((row) => row.counts.some((c) => c > 0));
  if (!rows.length) return <p>No attempts in the last hour.</p>;
  return (
    <table data-testid="chart-table">
      <thead>
        <tr>
          <th scope="col">Minute</th>
          {outcomes.map((o) => (
            <th scope="col" key={o}>
              {o}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.minute}>
            <th scope="row">{new Date(row.minute * 1000).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}</th>
            {row.counts.map((c, i) => (
              <td key={outcomes[i]}>{c}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
