// The user feature's input bounds: the one place their numbers are written. The input validation
// (user.inputs.ts), its messages and the GraphQL field descriptions are built from them.
import { kibibytes } from './units';

/** Stytch caps each metadata object; 4 KiB of JSON keeps rows and JWTs small. Serialised JSON bytes. */
export const METADATA_MAX_BYTES = 4096;

/** The message for a metadata field over METADATA_MAX_BYTES (or not a JSON object). */
export const metadataMessage = (field: string): string => `${field} must be a JSON object of at most ${kibibytes(METADATA_MAX_BYTES)}.`;

/** The GraphQL descriptions of the metadata fields. */
export const TRUSTED_METADATA_DESCRIPTION = `Set by your backend only; at most ${kibibytes(METADATA_MAX_BYTES)}.`;
export const UNTRUSTED_METADATA_DESCRIPTION = `May be set by the user; at most ${kibibytes(METADATA_MAX_BYTES)}.`;

/** The longest name part (first, middle, last), in characters; also the columns' length. */
export const NAME_PART_MAX_CHARS = 255;

/** The message for a name part over NAME_PART_MAX_CHARS. */
export const NAME_PART_MESSAGE = `Each name part must be at most ${NAME_PART_MAX_CHARS} characters.`;

/** The external id's length, in characters; its maximum is also the column's length. */
export const EXTERNAL_ID_CHARS = { min: 1, max: 128 } as const;

/** The message for an external id outside EXTERNAL_ID_CHARS. */
export const EXTERNAL_ID_MESSAGE = `The external id must be ${EXTERNAL_ID_CHARS.min} to ${EXTERNAL_ID_CHARS.max} characters.`;

/**
 * What an external id may be set to (createUser, updateUser): Stytch's rule, "a string consisting of
 * alphanumeric, `.`, `_`, or `-` characters with a maximum length of 128 characters" (Stytch docs,
 * "External IDs"). No whitespace, invisible, fullwidth or other look-alike characters, so no external id
 * can pass for a `user-<uuid>` id written with a stray space or zero-width character, and no path
 * separator or percent sign has to be escaped in REST paths. Values stored before this rule (any
 * 1..128 characters) are still looked up and searched.
 */
export const EXTERNAL_ID_ALPHABET = /^[A-Za-z0-9._-]*$/;

/** The message for an external id with a character outside EXTERNAL_ID_ALPHABET. */
export const EXTERNAL_ID_ALPHABET_MESSAGE = 'The external id may hold only ASCII letters, digits, ".", "_" and "-".';

/** Users per page of the `users` query (`first`); the same bounds as every GraphQL connection here (Relay cursor connections). */
export const USERS_PAGE_SIZE = { min: 1, max: 100, default: 20 } as const;

/** The GraphQL description of `users(first)`, and its invalid_page_size message. */
export const USERS_PAGE_SIZE_DESCRIPTION = `Page size, ${USERS_PAGE_SIZE.min}..${USERS_PAGE_SIZE.max} (default ${USERS_PAGE_SIZE.default}).`;
export const INVALID_USERS_PAGE_SIZE_MESSAGE = `first must be between ${USERS_PAGE_SIZE.min} and ${USERS_PAGE_SIZE.max}.`;

/** Users per page of REST `POST /v1/users/search` (`limit`): Stytch's bounds and default (Search Users API reference). */
export const SEARCH_LIMIT = { min: 1, max: 1000, default: 100 } as const;

/** The invalid_page_size message of the REST search's `limit`. */
export const INVALID_SEARCH_LIMIT_MESSAGE = `limit must be an integer between ${SEARCH_LIMIT.min} and ${SEARCH_LIMIT.max}.`;

/** Most operands in one search query, and most values in one operand's filter_value list (bounds the SQL a query builds). */
export const SEARCH_MAX_OPERANDS = 20;
export const SEARCH_MAX_FILTER_VALUES = 100;
