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
