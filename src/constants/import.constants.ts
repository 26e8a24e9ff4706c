// Bounds of the import of existing TOTP registrations (importTotp, POST /v1/totps/migrate and the
// `import` command): the one place their numbers are written.

/** At most this many recovery codes may come with one imported TOTP (other providers hand out 8 to 16). */
export const IMPORT_RECOVERY_CODES_MAX = 32;

/** Lines of an import file written in one transaction (each in its own savepoint). */
export const IMPORT_BATCH_LINES = 500;

/** A longer line of an import file is refused without being parsed, in bytes (a line holds one registration). */
export const IMPORT_LINE_MAX_BYTES = 16_384;

/** How often the `import` command redraws its progress line on a terminal, in milliseconds. */
export const IMPORT_PROGRESS_INTERVAL_MS = 200;
