// The audit feature's input bounds: the one place their numbers are written. The input validation
// (audit.inputs.ts), its message and the GraphQL argument description are built from them.

/** Events per page of authEvents. */
export const PAGE_SIZE = { min: 1, max: 100, default: 20 } as const;

/** The GraphQL description of `first`. */
export const PAGE_SIZE_DESCRIPTION = `Page size, ${PAGE_SIZE.min}..${PAGE_SIZE.max}.`;

/** The invalid_page_size message. */
export const INVALID_PAGE_SIZE_MESSAGE = `first must be between ${PAGE_SIZE.min} and ${PAGE_SIZE.max}.`;

/** How far back authEventStats looks, in minutes: up to one day (default: the last hour). */
export const STATS_WINDOW_MINUTES = { min: 1, max: 1440, default: 60 } as const;

/** The invalid_stats_window message. */
export const INVALID_STATS_WINDOW_MESSAGE = `sinceMinutes must be between ${STATS_WINDOW_MINUTES.min} and ${STATS_WINDOW_MINUTES.max}.`;
