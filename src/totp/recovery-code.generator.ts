// Recovery codes, pure: generation of a new set and reading of a typed code (code.format.ts).
import { randomInt } from 'node:crypto';
import { formatRecoveryCode, parseRecoveryCode, RECOVERY_CODE_ALPHABET, RECOVERY_CODE_CHARS } from './code.format';

const RECOVERY_CODE_COUNT = 10;

/** The stored and displayed shape of a recovery code; typed codes are read by `readRecoveryCode`. */
export const RECOVERY_CODE_PATTERN = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;

/** The stored forms a typed recovery code may match, or null when it is malformed (code.format.ts). */
export function readRecoveryCode(typed: string): string[] | null {
  return parseRecoveryCode(typed);
}

/**
 * Ten codes of 12 characters from the 32-letter Crockford alphabet (code.format.ts): 60 bits each,
 * drawn without modulo bias, shown and stored as `xxxx-xxxx-xxxx`.
 */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () =>
    formatRecoveryCode(Array.from({ length: RECOVERY_CODE_CHARS }, () => RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)]).join('')),
  );
}
